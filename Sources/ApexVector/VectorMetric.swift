/// How the index compares vectors.
public enum VectorMetric: String, Sendable, CaseIterable {
    /// 1 − cosine similarity; vectors are normalised when added, so it is computed as 1 − dot.
    case cosine
    /// −dot product (larger dot is nearer).
    case dot
    /// Squared Euclidean distance.
    case l2
}

/// The knobs of an HNSW index (seed 001/002: m = 16, ef_construction = 64).
public struct HNSWParameters: Sendable, Equatable {
    /// Links per node on the upper layers; layer 0 keeps twice as many.
    public var m: Int
    /// Candidates kept while inserting: higher builds a better graph, slower.
    public var efConstruction: Int
    /// Default candidates kept while searching; each query may ask for another.
    public var efSearch: Int
    /// Seed of the level generator, so that a build is reproducible.
    public var seed: UInt64

    public init(m: Int = 16, efConstruction: Int = 64, efSearch: Int = 64, seed: UInt64 = 0x5EED) {
        self.m = max(2, m)
        self.efConstruction = max(1, efConstruction)
        self.efSearch = max(1, efSearch)
        self.seed = seed
    }
}

/// One search result: the id given when the vector was added, and its distance to the query.
public struct VectorMatch: Sendable, Equatable {
    public var id: Int
    public var distance: Float

    public init(id: Int, distance: Float) {
        self.id = id
        self.distance = distance
    }
}
