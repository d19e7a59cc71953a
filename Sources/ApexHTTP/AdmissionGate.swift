public import Hummingbird
import Metrics
import Synchronization

/// Lets a bounded number of requests run at once, the rest wait in arrival order, and beyond a bounded queue answers 503.
///
/// With a thousand connections, unbounded concurrency makes every request
/// share the CPU with every other and the slowest wait seconds; admitting
/// requests first come, first served keeps each one's latency close to the
/// queue's length over the throughput (fair service), and a full queue is
/// refused at once (`503 overloaded`, `Retry-After: 1`) rather than left to
/// time out. `/health` and `/metrics` skip the queue: probes must answer
/// under load.
public final class AdmissionGate: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
        var head = 0
        var waitingCount: Int { waiting.count - head }
    }

    /// Requests that may run at once.
    public let maxRunning: Int
    /// Requests that may wait for a turn; one more is refused with 503.
    public let maxWaiting: Int
    private let state = Mutex(State())
    private let refused = Counter(label: "apex_http_overloaded_total")

    /// Requests running now.
    public var runningCount: Int { state.withLock { $0.running } }

    /// Requests waiting for a turn now.
    public var waitingCount: Int { state.withLock { $0.waitingCount } }

    public init(maxRunning: Int = 16, maxWaiting: Int = 4096) {
        self.maxRunning = max(1, maxRunning)
        self.maxWaiting = max(0, maxWaiting)
    }

    /// Runs `body` once admitted; throws ``APIError`` 503 when the queue is full.
    public func admitted<Result>(_ body: () async throws -> Result) async throws -> Result {
        let decision: AdmissionDecision = state.withLock { state in
            if state.running < maxRunning {
                state.running += 1
                return .run
            }
            return state.waitingCount < maxWaiting ? .wait : .refuse
        }
        switch decision {
        case .refuse:
            refused.increment()
            throw APIError(.serviceUnavailable, code: "overloaded", message: "the server has \(maxWaiting) requests waiting already; retry shortly")
        case .wait:
            await withCheckedContinuation { continuation in
                let resumeNow: Bool = state.withLock { state in
                    // A turn may have come free between the decision and now.
                    if state.running < maxRunning {
                        state.running += 1
                        return true
                    }
                    state.waiting.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        case .run:
            break
        }
        defer { release() }
        return try await body()
    }

    /// Hands the finished request's turn to the longest waiting one, or frees it.
    private func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard state.head < state.waiting.count else {
                state.running -= 1
                return nil
            }
            let next = state.waiting[state.head]
            state.head += 1
            // Compact now and then, so that the array does not grow without end.
            if state.head > 1024 && state.head * 2 > state.waiting.count {
                state.waiting.removeFirst(state.head)
                state.head = 0
            }
            return next
        }
        next?.resume()
    }
}

/// What the gate does with a request that arrives.
private enum AdmissionDecision { case run, wait, refuse }

/// The router middleware around ``AdmissionGate``: every route but `/health` and `/metrics` goes through it.
public struct AdmissionMiddleware<Context: RequestContext>: RouterMiddleware {
    public let gate: AdmissionGate

    public init(gate: AdmissionGate) { self.gate = gate }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/health" || path == "/metrics" { return try await next(request, context) }
        return try await gate.admitted { try await next(request, context) }
    }
}
