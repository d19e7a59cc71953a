public import HummingbirdCore
public import Logging
public import NIOCore
import Synchronization

/// Runs a connection's requests on the event loop that reads its socket, so that a request costs no thread hand-over.
///
/// Hummingbird handles each connection in a task of its own. On Swift's
/// cooperative pool that task runs on another thread than the event loop
/// that decoded the request and writes the answer: two thread wake-ups per
/// request, most of a short request's time on a small machine. With the
/// event loop as the task's preferred executor, a request that needs no
/// store round trip (`/health`, an answer from the in-process cache) starts
/// and ends on the thread that read it. Work the task hands elsewhere (GRDB's
/// reader queues, actors, PostgreSQL's connections) comes back to that loop.
/// ``AdmissionGate`` still admits requests in arrival order.
public struct EventLoopPinnedHTTP1: ServerChildChannel {
    public typealias Value = HTTP1Channel.Value
    let channel: HTTP1Channel
    let pinnedLimit: Int
    let open = OpenConnections()

    public init(_ channel: HTTP1Channel, pinnedLimit: Int) {
        self.channel = channel
        self.pinnedLimit = pinnedLimit
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        self.channel.setup(channel: channel, logger: logger)
    }

    public func handle(value: Value, logger: Logger) async {
        let count = open.opened()
        defer { open.closed() }
        guard count <= pinnedLimit else { return await channel.handle(value: value, logger: logger) }
        let executor = EventLoopTaskExecutor(value.channel.eventLoop)
        await withTaskExecutorPreference(executor) {
            await channel.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with each connection's task on its own event loop (``EventLoopPinnedHTTP1``).
    public static func pinnedHTTP1(configuration: HTTP1Channel.Configuration = .init(), pinnedLimit: Int) -> HTTPServerBuilder {
        .init { responder in EventLoopPinnedHTTP1(HTTP1Channel(responder: responder, configuration: configuration), pinnedLimit: pinnedLimit) }
    }
}

/// A SwiftNIO event loop as a task executor: jobs run on the loop's thread, in the order they were enqueued.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// How many connections are open now.
final class OpenConnections: Sendable {
    private let count = Atomic(0)

    /// Counts one more and returns the count with it.
    func opened() -> Int { count.wrappingAdd(1, ordering: .relaxed).newValue }

    func closed() { count.wrappingSubtract(1, ordering: .relaxed) }
}
