public import ApexCore
public import ApexPorts
import NIOCore
import PostgresNIO

extension PostgresStore {
    /// Each statement is atomic on its own: the insert decides between two claimants, the take-over of a stale claim is
    /// one conditional update, and what the key holds otherwise is read last.
    public func claimIdempotencyKey(_ key: String, fingerprint: String, now: Timestamp, staleBefore: Timestamp, expiredBefore: Timestamp)
        async throws -> IdempotencyClaim
    {
        // PostgreSQL's text cannot hold NUL; the HTTP layer accepts only printable keys, so none has one.
        guard !key.containsNUL else { return .mismatch }
        _ = try await rows("DELETE FROM idempotency_keys WHERE claimed_at < \(expiredBefore.microseconds)")
        let inserted = try await rows(
            """
            INSERT INTO idempotency_keys (key, fingerprint, claimed_at) VALUES (\(key), \(fingerprint), \(now.microseconds))
            ON CONFLICT (key) DO NOTHING RETURNING key
            """)
        if !inserted.isEmpty { return .claimed }
        let taken = try await rows(
            """
            UPDATE idempotency_keys SET claimed_at = \(now.microseconds)
            WHERE key = \(key) AND fingerprint = \(fingerprint) AND status IS NULL AND claimed_at < \(staleBefore.microseconds) RETURNING key
            """)
        if !taken.isEmpty { return .claimed }
        guard let row = try await rows("SELECT fingerprint, status, content_type, body FROM idempotency_keys WHERE key = \(key)").first else {
            return .inProgress
        }
        let (stored, status, contentType, body) = try row.decode((String, Int32?, String?, ByteBuffer?).self)
        guard stored == fingerprint else { return .mismatch }
        guard let status, let contentType, let body else { return .inProgress }
        return .replay(StoredAnswer(status: Int(status), contentType: contentType, body: Array(body.readableBytesView)))
    }

    public func completeIdempotencyKey(_ key: String, fingerprint: String, answer: StoredAnswer, now: Timestamp) async throws {
        _ = try await rows(
            """
            UPDATE idempotency_keys SET status = \(Int32(answer.status)), content_type = \(answer.contentType),
                body = \(ByteBuffer(bytes: answer.body)), completed_at = \(now.microseconds)
            WHERE key = \(key) AND fingerprint = \(fingerprint) AND status IS NULL
            """)
    }

    public func releaseIdempotencyKey(_ key: String, fingerprint: String) async throws {
        _ = try await rows("DELETE FROM idempotency_keys WHERE key = \(key) AND fingerprint = \(fingerprint) AND status IS NULL")
    }
}
