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
    ]

    /// The dimensions that have an HNSW index, and whether it indexes `halfvec` (pgvector's HNSW takes `vector` up to 2,000).
    public static let indexedDimensions: [Int: VectorPrecision] = [384: .single, 1536: .single, 3072: .half]
}

/// How pgvector stores the vectors an index is built on.
public enum VectorPrecision: String, Sendable {
    /// `vector`: 4-byte floats, HNSW up to 2,000 dimensions.
    case single = "vector"
    /// `halfvec`: 2-byte floats, half the memory, HNSW up to 4,000 dimensions.
    case half = "halfvec"
}
