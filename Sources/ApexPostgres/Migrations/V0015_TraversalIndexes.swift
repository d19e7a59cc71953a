import ApexMigrations

extension PostgresMigrations {
    /// Version 15: covering indexes for traversal levels, by source and by target, ordered by `valid_at`.
    ///
    /// A traversal level reads every fact touching its frontier and valid by
    /// the query's time. Through these indexes that read is an index-only scan
    /// with the valid-time bound as an index condition: no heap page per fact
    /// (the facts of an entity are spread over the table in ingest order). The
    /// fact text is left out, since neighbours answers do not show it. Built
    /// concurrently, so that writers are never blocked.
    static let v0015TraversalIndexes = Migration(
        version: 15,
        name: "traversal_indexes",
        up: """
            DROP INDEX CONCURRENTLY IF EXISTS facts_by_source_valid;
            CREATE INDEX CONCURRENTLY facts_by_source_valid ON facts (from_id, valid_at) INCLUDE (relation, to_id, recorded_at, invalid_at);
            DROP INDEX CONCURRENTLY IF EXISTS facts_by_target_valid;
            CREATE INDEX CONCURRENTLY facts_by_target_valid ON facts (to_id, valid_at) INCLUDE (relation, from_id, recorded_at, invalid_at);
            """,
        down: """
            DROP INDEX CONCURRENTLY IF EXISTS facts_by_target_valid;
            DROP INDEX CONCURRENTLY IF EXISTS facts_by_source_valid;
            """,
        transactional: false
    )
}
