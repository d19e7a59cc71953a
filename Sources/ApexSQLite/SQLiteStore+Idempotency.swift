public import ApexCore
public import ApexPorts
import Foundation
import GRDB

extension SQLiteStore {
    public func claimIdempotencyKey(_ key: String, fingerprint: String, now: Timestamp, staleBefore: Timestamp, expiredBefore: Timestamp)
        async throws -> IdempotencyClaim
    {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE claimed_at < ?", arguments: [expiredBefore.microseconds])
            try db.execute(
                sql: "INSERT INTO idempotency_keys (key, fingerprint, claimed_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
                arguments: [key, fingerprint, now.microseconds])
            if db.changesCount == 1 { return .claimed }
            guard let row = try Row.fetchOne(db, sql: "SELECT fingerprint, status, content_type, body, claimed_at FROM idempotency_keys WHERE key = ?", arguments: [key])
            else { return .inProgress }
            guard (row[0] as String) == fingerprint else { return .mismatch }
            if let status = row[1] as Int?, let contentType = row[2] as String?, let body = row[3] as Data? {
                return .replay(StoredAnswer(status: status, contentType: contentType, body: Array(body)))
            }
            guard (row[4] as Int64) < staleBefore.microseconds else { return .inProgress }
            try db.execute(sql: "UPDATE idempotency_keys SET claimed_at = ? WHERE key = ?", arguments: [now.microseconds, key])
            return .claimed
        }
    }

    public func completeIdempotencyKey(_ key: String, fingerprint: String, answer: StoredAnswer, now: Timestamp) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE idempotency_keys SET status = ?, content_type = ?, body = ?, completed_at = ?
                    WHERE key = ? AND fingerprint = ? AND status IS NULL
                    """,
                arguments: [answer.status, answer.contentType, Data(answer.body), now.microseconds, key, fingerprint])
        }
    }

    public func releaseIdempotencyKey(_ key: String, fingerprint: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE key = ? AND fingerprint = ? AND status IS NULL", arguments: [key, fingerprint])
        }
    }
}
