import ApexCore
import ApexPorts
import Testing

/// The idempotency keys of HTTP writes, checked on any adapter: what a retried request relies on.
extension ConformanceSuite {
    static func at(_ text: String) -> Timestamp { SpecFixtures.time(text) }

    static let idempotencyCases: [AdapterConformanceCase] = [
        AdapterConformanceCase("an idempotency key answers once: claimed, in use, then the stored answer; another request is a mismatch") { make in
            let store = try await make().store
            let (now, stale, expired) = (at("2025-06-01T12:00:00Z"), at("2025-06-01T11:50:00Z"), at("2025-05-31T12:00:00Z"))
            func claim(_ fingerprint: String) async throws -> IdempotencyClaim {
                try await store.claimIdempotencyKey("key-1", fingerprint: fingerprint, now: now, staleBefore: stale, expiredBefore: expired)
            }
            #expect(try await claim("a") == .claimed)
            #expect(try await claim("a") == .inProgress)
            #expect(try await claim("b") == .mismatch)
            let answer = StoredAnswer(status: 201, contentType: "application/json", body: Array(#"{"id":"x","quote":"it's \"ok\""}"#.utf8) + [0, 255])
            try await store.completeIdempotencyKey("key-1", fingerprint: "a", answer: answer, now: now)
            #expect(try await claim("a") == .replay(answer))
            #expect(try await claim("b") == .mismatch)
            // A completed answer is not overwritten, nor released.
            try await store.completeIdempotencyKey("key-1", fingerprint: "a", answer: StoredAnswer(status: 200, contentType: "text/plain", body: []), now: now)
            try await store.releaseIdempotencyKey("key-1", fingerprint: "a")
            #expect(try await claim("a") == .replay(answer))
        },
        AdapterConformanceCase("of two requests claiming one idempotency key at once, exactly one runs") { make in
            let store = try await make().store
            let (now, stale, expired) = (at("2025-06-01T12:00:00Z"), at("2025-06-01T11:50:00Z"), at("2025-05-31T12:00:00Z"))
            async let first = store.claimIdempotencyKey("key-2", fingerprint: "a", now: now, staleBefore: stale, expiredBefore: expired)
            async let second = store.claimIdempotencyKey("key-2", fingerprint: "a", now: now, staleBefore: stale, expiredBefore: expired)
            let claims = try await [first, second]
            #expect(claims.filter { $0 == .claimed }.count == 1)
            #expect(claims.contains(.inProgress))
        },
        AdapterConformanceCase("a released claim runs again, a stale one is taken over, an expired key is forgotten") { make in
            let store = try await make().store
            let now = at("2025-06-01T12:00:00Z")
            let early = at("2025-05-31T00:00:00Z")
            #expect(try await store.claimIdempotencyKey("k", fingerprint: "a", now: now, staleBefore: early, expiredBefore: early) == .claimed)
            try await store.releaseIdempotencyKey("k", fingerprint: "a")
            #expect(try await store.claimIdempotencyKey("k", fingerprint: "b", now: now, staleBefore: early, expiredBefore: early) == .claimed)
            // Unanswered since 12:00: stale for a caller whose limit is after it, not before.
            let later = at("2025-06-01T12:20:00Z")
            #expect(try await store.claimIdempotencyKey("k", fingerprint: "b", now: later, staleBefore: now, expiredBefore: early) == .inProgress)
            #expect(
                try await store.claimIdempotencyKey("k", fingerprint: "b", now: later, staleBefore: at("2025-06-01T12:10:00Z"), expiredBefore: early)
                    == .claimed)
            let answer = StoredAnswer(status: 200, contentType: "application/json", body: Array("{}".utf8))
            try await store.completeIdempotencyKey("k", fingerprint: "b", answer: answer, now: later)
            // A day on, the key is free for any request.
            let nextDay = at("2025-06-02T12:30:00Z")
            #expect(
                try await store.claimIdempotencyKey("k", fingerprint: "c", now: nextDay, staleBefore: later, expiredBefore: at("2025-06-01T12:25:00Z"))
                    == .claimed)
        },
    ]
}
