import ApexCore
import Synchronization

/// Answers of `GET .../state` kept as bytes, by request target, while the store's content version does not move.
///
/// An answer the state route computed from a store that tells its content
/// version (``ApexPorts/ContentVersionSource``: the embedded store alone)
/// with an explicit `at`, and that lasts (its read saw every stored row, or
/// `known_at` was given), is kept with the version read before it was
/// computed. ``ProbeLane`` hands it out again on the event loop when the
/// version has not moved since: any commit, by this process or another, moves
/// it, so a kept answer is never older than the last acknowledged write. An
/// answer "as known now" is kept in two parts around its `known_at` value,
/// which is the time of each request.
final class AnswerMemo: Sendable {
    /// One kept answer: its body, split around the `known_at` value when that is the request's time.
    struct Kept: Sendable {
        let version: Int64
        let head: [UInt8]
        /// After the `known_at` value; nil when the body is whole in `head` (an explicit `known_at`).
        let tail: [UInt8]?
    }

    private let kept = Mutex<[String: Kept]>([:])
    let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = max(1, capacity) }

    /// The body kept for `target` when it was computed at the version `currentVersion` tells now (asked only when
    /// something is kept), with `knownAt` as its `known_at` where it is split.
    func body(for target: String, currentVersion: () -> Int64?, knownAt: @autoclosure () -> Timestamp) -> [UInt8]? {
        guard let found = kept.withLock({ $0[target] }) else { return nil }
        guard let version = currentVersion(), version == found.version else {
            kept.withLock { kept in if kept[target]?.version == found.version { kept[target] = nil } }
            return nil
        }
        guard let tail = found.tail else { return found.head }
        return found.head + Array(knownAt().rfc3339.utf8) + tail
    }

    /// Keeps `body` for `target` as computed at `version`; `knownAt` is the `known_at` value to split it around, if any.
    func keep(_ body: [UInt8], for target: String, version: Int64, splittingAround knownAt: Timestamp?) {
        let entry: Kept
        if let knownAt {
            guard let (head, tail) = Self.split(body, around: knownAt) else { return }
            entry = Kept(version: version, head: head, tail: tail)
        } else {
            entry = Kept(version: version, head: body, tail: nil)
        }
        kept.withLock { kept in
            // Full: start afresh (entries of an older version are dead anyway).
            if kept.count >= capacity, kept[target] == nil { kept.removeAll(keepingCapacity: true) }
            kept[target] = entry
        }
    }

    /// The body before and after the value of its top-level `known_at`: the first `"known_at":"` in compact JSON
    /// whose value is `knownAt` (keys and values inside strings have their quotes escaped, so cannot match).
    static func split(_ body: [UInt8], around knownAt: Timestamp) -> ([UInt8], [UInt8])? {
        let key = Array(#""known_at":""#.utf8)
        guard let range = body.firstRange(of: key + Array(knownAt.rfc3339.utf8) + [UInt8(ascii: "\"")]) else { return nil }
        // The head ends with the key's opening quote; the tail starts with the value's closing one.
        return (Array(body[..<(range.lowerBound + key.count)]), Array(body[(range.upperBound - 1)...]))
    }
}
