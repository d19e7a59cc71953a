import ApexMigrations

extension PostgresMigrations {
    /// Version 4: the HNSW index (cosine, m = 16, ef_construction = 64) for 384-dimension vectors, the default embedder's.
    ///
    /// Built with `CREATE INDEX CONCURRENTLY` outside a transaction, so that
    /// applying it to a live table never blocks writers (seed 003, zero-downtime
    /// index builds). A build that fails leaves an invalid index behind and the
    /// migration pending; the next `up` drops that leftover before building again.
    static let v0004VectorIndex384 = hnswIndex(version: 4, dimension: 384, precision: .single)

    /// Version 5: the same for 1,536 dimensions (OpenAI's text-embedding-3-small and ada-002).
    static let v0005VectorIndex1536 = hnswIndex(version: 5, dimension: 1536, precision: .single)

    /// Version 6: 3,072 dimensions (text-embedding-3-large) as `halfvec`, since pgvector's HNSW indexes `vector` only up to 2,000.
    static let v0006HalfvecIndex3072 = hnswIndex(version: 6, dimension: 3072, precision: .half)

    /// The name of the index for vectors of `dimension`.
    static func indexName(dimension: Int, precision: VectorPrecision) -> String {
        "vector_items_\(precision == .half ? "halfvec" : "vector")_\(dimension)"
    }

    /// The statement that builds an HNSW index named `name` on the rows of `dimension` that also meet `rows` if given.
    static func createIndex(_ name: String, dimension: Int, precision: VectorPrecision, rows: String?) -> String {
        """
        CREATE INDEX CONCURRENTLY \(name) ON vector_items
        USING hnsw ((embedding::\(precision.rawValue)(\(dimension))) \(precision.rawValue)_cosine_ops)
        WITH (m = 16, ef_construction = 64)
        WHERE vector_dims(embedding) = \(dimension)\(rows.map { " AND \($0)" } ?? "");
        """
    }

    /// A migration that builds the index of `dimension` and `precision`, over the rows that also meet `rows` if given.
    static func hnswIndex(version: Int, dimension: Int, precision: VectorPrecision, rows: String? = nil) -> Migration {
        let name = indexName(dimension: dimension, precision: precision)
        return Migration(
            version: version,
            name: "\(name)_hnsw",
            up: """
                DROP INDEX CONCURRENTLY IF EXISTS \(name);
                \(createIndex(name, dimension: dimension, precision: precision, rows: rows))
                """,
            down: """
                DROP INDEX CONCURRENTLY IF EXISTS \(name);
                """,
            transactional: false
        )
    }
}
