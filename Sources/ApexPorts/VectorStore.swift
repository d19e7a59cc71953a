/// Where embeddings are indexed for nearest-neighbour search (DESIGN.md: in-process HNSW embedded; Qdrant or pgvector later).
public protocol VectorStore: Sendable {
    /// Adds or replaces vectors by id.
    func upsert(_ items: [VectorItem]) async throws
    /// Removes vectors by id (unknown ids are ignored).
    func delete(_ ids: [Int64]) async throws
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
