import ApexMigrations

extension PostgresMigrations {
    /// Version 7: which precision each vector row is indexed with (`half`), and which one the table holds now.
    ///
    /// A store opened with `--halfvec` keeps its 384- and 1,536-dimension
    /// vectors in `halfvec` indexes (2-byte floats, about half the size); the
    /// flag keeps those rows out of the `vector` indexes and the state row lets
    /// ``PgVectorStore/catchUp(to:loading:)`` notice a switch of precision.
    /// Adding a column with a constant default rewrites nothing.
    static let v0007VectorPrecision = Migration(
        version: 7,
        name: "vector_precision",
        up: """
            ALTER TABLE vector_items ADD COLUMN half boolean NOT NULL DEFAULT false;
            ALTER TABLE vector_index_state ADD COLUMN half boolean NOT NULL DEFAULT false;
            """,
        down: """
            ALTER TABLE vector_index_state DROP COLUMN half;
            ALTER TABLE vector_items DROP COLUMN half;
            """
    )

    /// Version 8: the `vector` indexes of versions 4 and 5 rebuilt to hold only rows with `NOT half`.
    ///
    /// Each new index is built beside the old one (`CONCURRENTLY`), then the
    /// old one is dropped and the new one takes its name, so that searches
    /// have an index throughout. A step that fails leaves the migration
    /// pending; running it again repeats every step from the start.
    static let v0008SingleOnlyIndexes = Migration(
        version: 8,
        name: "vector_indexes_single_only",
        up: [384, 1536].map { rebuildIndex(dimension: $0, precision: .single, rows: rowPredicate(.single)) }.joined(separator: "\n"),
        down: [384, 1536].map { rebuildIndex(dimension: $0, precision: .single, rows: nil) }.joined(separator: "\n"),
        transactional: false
    )

    /// Version 9: 384 dimensions as `halfvec`, for rows with `half` (stores opened with `--halfvec`).
    static let v0009HalfvecIndex384 = hnswIndex(version: 9, dimension: 384, precision: .half, rows: rowPredicate(.half))

    /// Version 10: 1,536 dimensions as `halfvec`, for rows with `half`.
    static let v0010HalfvecIndex1536 = hnswIndex(version: 10, dimension: 1536, precision: .half, rows: rowPredicate(.half))

    /// The condition that selects the rows an index of this precision holds; every search repeats it, so that the
    /// planner uses the partial index.
    static func rowPredicate(_ precision: VectorPrecision) -> String {
        precision == .half ? "half" : "NOT half"
    }

    /// Statements that replace the index of `dimension` by one with the row condition `rows`, keeping its name.
    private static func rebuildIndex(dimension: Int, precision: VectorPrecision, rows: String?) -> String {
        let name = indexName(dimension: dimension, precision: precision)
        return """
            DROP INDEX CONCURRENTLY IF EXISTS \(name)_rebuilt;
            \(createIndex(name + "_rebuilt", dimension: dimension, precision: precision, rows: rows))
            DROP INDEX CONCURRENTLY IF EXISTS \(name);
            ALTER INDEX \(name)_rebuilt RENAME TO \(name);
            """
    }
}
