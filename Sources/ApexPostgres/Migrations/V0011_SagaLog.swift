import ApexMigrations

extension PostgresMigrations {
    /// Version 11: the saga log, where multi-store writes are recorded until they are committed or compensated (docs/architecture.md, "Tables").
    static let v0011SagaLog = Migration(
        version: 11,
        name: "saga_log",
        up: """
            CREATE TABLE sagas (
                id uuid PRIMARY KEY,
                kind text NOT NULL,
                state text NOT NULL CHECK (state IN ('running', 'compensating', 'committed', 'compensated')),
                steps_done text NOT NULL,
                owner text NOT NULL,
                lease_until bigint NOT NULL,
                started_at bigint NOT NULL,
                updated_at bigint NOT NULL,
                detail text NOT NULL
            );
            CREATE INDEX sagas_in_flight ON sagas (started_at) WHERE state IN ('running', 'compensating');
            """,
        down: """
            DROP TABLE sagas;
            """
    )
}
