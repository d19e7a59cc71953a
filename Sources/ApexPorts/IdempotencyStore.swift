public import ApexCore

/// Where the answers to HTTP writes sent with an `Idempotency-Key` are kept, so that a retry gets the first answer and
/// nothing is applied twice (docs/http.md, "Retries").
///
/// The record store keeps them, shared by every `apex serve` over it. A
/// request claims its key before it runs (one conditional insert: of two at
/// once, one runs and the other is told the key is in use), stores its answer
/// when it has one, and gives the claim up when it failed in a way a retry
/// may mend. A claim whose request never answered (its process died) can be
/// taken over once it is older than the caller's `staleBefore`.
public protocol IdempotencyStore: Sendable {
    /// Claims `key` for a request with `fingerprint` at `now`, or says what already holds it; keys claimed before
    /// `expiredBefore` are forgotten first.
    func claimIdempotencyKey(_ key: String, fingerprint: String, now: Timestamp, staleBefore: Timestamp, expiredBefore: Timestamp) async throws
        -> IdempotencyClaim

    /// Stores the answer of the request that claimed `key` with `fingerprint`.
    func completeIdempotencyKey(_ key: String, fingerprint: String, answer: StoredAnswer, now: Timestamp) async throws

    /// Gives up the claim on `key` of the request with `fingerprint`, which ended without an answer worth repeating.
    func releaseIdempotencyKey(_ key: String, fingerprint: String) async throws
}

/// What claiming an idempotency key found.
public enum IdempotencyClaim: Sendable, Equatable {
    /// The key is this request's: run it.
    case claimed
    /// The same request already answered: send that answer again.
    case replay(StoredAnswer)
    /// The same request is running now (another connection, or a process that may still answer).
    case inProgress
    /// The key was used for another request (another method, path or body).
    case mismatch
}

/// The answer a request with an idempotency key gave: status, media type and body, sent again as they were.
public struct StoredAnswer: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}
