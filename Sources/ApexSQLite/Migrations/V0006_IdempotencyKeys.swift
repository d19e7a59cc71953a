import ApexMigrations

extension SQLiteMigrations {
    /// Version 6: the answers of HTTP writes sent with an `Idempotency-Key`, kept 24 hours (docs/http.md, "Retries").
    static let v0006IdempotencyKeys = Migration(
        version: 6,
        name: "idempotency_keys",
        up: """
            CREATE TABLE idempotency_keys (
                key TEXT PRIMARY KEY,
                fingerprint TEXT NOT NULL,
                claimed_at INTEGER NOT NULL,
                status INTEGER,
                content_type TEXT,
                body BLOB,
                completed_at INTEGER
            ) WITHOUT ROWID;
            CREATE INDEX idempotency_keys_claimed_at ON idempotency_keys (claimed_at);
            """,
        down: """
            DROP TABLE idempotency_keys;
            """
    )
}
