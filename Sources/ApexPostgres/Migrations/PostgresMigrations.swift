public import ApexMigrations

/// The PostgreSQL store's schema: every version, in order.
///
/// Each migration is a file in this folder named `V<version>_<Name>.swift`;
/// the runner sends its statements one at a time (``SQLStatements``). A
/// migration marked non-transactional runs outside a transaction, which
/// `CREATE INDEX CONCURRENTLY` requires: indexes on tables that may already
/// hold data are built that way, so that writers are never blocked. Never
/// edit one that has shipped: add a new version instead.
public enum PostgresMigrations {
    public static let all: [Migration] = [
        v0001TemporalRecords,
        v0002Documents,
        v0003VectorItems,
        v0004VectorIndex384,
        v0005VectorIndex1536,
        v0006HalfvecIndex3072,
        v0007VectorPrecision,
        v0008SingleOnlyIndexes,
        v0009HalfvecIndex384,
        v0010HalfvecIndex1536,
        v0011SagaLog,
        v0012IdempotencyKeys,
        v0013VectorCollections,
        v0014MoveState,
        v0015TraversalIndexes,
    ]

    /// The dimensions that have HNSW indexes, with the precisions indexed (pgvector's HNSW takes `vector` up to 2,000 dimensions).
    public static let indexedDimensions: [Int: Set<VectorPrecision>] = [384: [.single, .half], 1536: [.single, .half], 3072: [.half]]
}

/// How pgvector stores the vectors an index is built on.
public enum VectorPrecision: String, Sendable, CaseIterable {
    /// `vector`: 4-byte floats, HNSW up to 2,000 dimensions.
    case single = "vector"
    /// `halfvec`: 2-byte floats, half the memory, HNSW up to 4,000 dimensions.
    case half = "halfvec"
}
