import ApexMigrations

extension SQLiteMigrations {
    /// Version 5: the saga log, where multi-store writes are recorded until they are committed or compensated (docs/architecture.md, "Tables").
    static let v0005SagaLog = Migration(
        version: 5,
        name: "saga_log",
        up: """
            CREATE TABLE sagas (
                id BLOB PRIMARY KEY CHECK (length(id) = 16),
                kind TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('running', 'compensating', 'committed', 'compensated')),
                steps_done TEXT NOT NULL,
                owner TEXT NOT NULL,
                lease_until INTEGER NOT NULL,
                started_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                detail TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX sagas_in_flight ON sagas (started_at) WHERE state IN ('running', 'compensating');
            """,
        down: """
            DROP TABLE sagas;
            """
    )
}
