import ApexMigrations

extension SQLiteMigrations {
    /// Version 2: the greatest `recorded_at` stored, kept by every ingest.
    ///
    /// Queries as known "now" see every row once `known_at` passes it, which is
    /// what lets the store serve them from its snapshot cache.
    static let v0002StoreWatermark = Migration(
        version: 2,
        name: "store_watermark",
        up: """
            CREATE TABLE store_watermark (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                max_recorded_at INTEGER
            );
            INSERT INTO store_watermark (id, max_recorded_at)
            SELECT 1, max(recorded_at) FROM (
                SELECT max(recorded_at) AS recorded_at FROM property_versions
                UNION ALL SELECT max(recorded_at) FROM facts
                UNION ALL SELECT max(recorded_at) FROM fact_ends
            );
            """,
        down: """
            DROP TABLE store_watermark;
            """
    )
}
