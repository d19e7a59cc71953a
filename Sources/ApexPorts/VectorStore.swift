/// Where embeddings are indexed for nearest-neighbour search (DESIGN.md: in-process HNSW embedded; Qdrant or pgvector later).
public protocol VectorStore: Sendable {
    /// Replaces the vectors `removed` by `items`: the change that brought the record store to vector generation `generation`.
    func apply(removing removed: [Int64], adding items: [VectorItem], generation: Int64) async throws
    /// The `limit` nearest vectors to `query` whose payload has every field of `filter`, nearest first.
    func search(_ query: [Float], limit: Int, filter: [String: String]) async throws -> [VectorHit]
}

/// A vector with the fields a search may filter on.
public struct VectorItem: Sendable, Equatable {
    public var id: Int64
    public var vector: [Float]
    public var payload: [String: String]

    public init(id: Int64, vector: [Float], payload: [String: String]) {
        self.id = id
        self.vector = vector
        self.payload = payload
    }
}

/// A search result: the vector's id and its distance to the query (smaller is nearer).
public struct VectorHit: Sendable, Equatable {
    public var id: Int64
    public var distance: Float

    public init(id: Int64, distance: Float) {
        self.id = id
        self.distance = distance
    }
}
