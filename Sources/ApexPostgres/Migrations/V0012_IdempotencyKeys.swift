import ApexMigrations

extension PostgresMigrations {
    /// Version 12: the answers of HTTP writes sent with an `Idempotency-Key`, kept 24 hours (docs/http.md, "Retries").
    static let v0012IdempotencyKeys = Migration(
        version: 12,
        name: "idempotency_keys",
        up: """
            CREATE TABLE idempotency_keys (
                key text PRIMARY KEY,
                fingerprint text NOT NULL,
                claimed_at bigint NOT NULL,
                status integer,
                content_type text,
                body bytea,
                completed_at bigint
            );
            CREATE INDEX idempotency_keys_claimed_at ON idempotency_keys (claimed_at);
            """,
        down: """
            DROP TABLE idempotency_keys;
            """
    )
}
