import Logging
import NIOCore
import Synchronization

/// A bounded set of connections to one server, lent to one caller at a time.
///
/// At most ``RESPConfiguration/maxConnections`` exist at once (open, lent or
/// being opened). A caller who finds none free waits in a FIFO queue for
/// at most ``RESPConfiguration/leaseTimeout``, then fails with
/// ``RESPError/noFreeConnection(server:timeout:)``; the timers run on NIO's
/// event loop, so the pool owns no task of its own. A connection that
/// failed (closed, timed out) is discarded when it comes back and its place
/// goes to the next caller, who opens a new one: once the server is back,
/// answers resume.
final class ConnectionPool: Sendable {
    /// What a waiting caller is handed: a connection, or leave to open one.
    private enum Grant: Sendable {
        case connection(RESPConnection)
        case slot
    }

    private struct Waiter {
        let continuation: CheckedContinuation<Grant, any Error>
        var timer: Scheduled<Void>?
    }

    private struct State {
        var idle: [RESPConnection] = []
        /// Every open connection, idle or lent, by id: closed at shutdown.
        var open: [Int: RESPConnection] = [:]
        /// Connections open or being opened.
        var slotsTaken = 0
        var waiters: [Int: Waiter] = [:]
        var queue: [Int] = []
        var nextWaiter = 0
        var isShutDown = false

        mutating func popWaiter() -> Waiter? {
            while !queue.isEmpty {
                if let waiter = waiters.removeValue(forKey: queue.removeFirst()) { return waiter }
            }
            return nil
        }
    }

    let configuration: RESPConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())

    init(configuration: RESPConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// A connection of one's own until ``release(_:discard:)``.
    func lease() async throws -> RESPConnection {
        while true {
            switch try await grant() {
            case .connection(let connection):
                if connection.isActive { return connection }
                release(connection, discard: true)
            case .slot:
                return try await open()
            }
        }
    }

    /// Gives a leased connection back; `discard` (or a closed connection) closes it and frees its place.
    func release(_ connection: RESPConnection, discard: Bool = false) {
        var drop = discard || !connection.isActive
        let handOff: (Waiter, Grant)? = state.withLock { state in
            if state.isShutDown { drop = true }
            if drop {
                state.open[connection.id] = nil
                state.slotsTaken -= 1
                guard !state.isShutDown, let waiter = state.popWaiter() else { return nil }
                state.slotsTaken += 1
                return (waiter, .slot)
            }
            if let waiter = state.popWaiter() { return (waiter, .connection(connection)) }
            state.idle.append(connection)
            return nil
        }
        if drop {
            logger.debug("RESP connection discarded", metadata: ["resp.connection": "\(connection.id)"])
            connection.channel.close(promise: nil)
        }
        if let (waiter, grant) = handOff {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: grant)
        }
    }

    /// Closes every connection and fails every waiting caller; later leases fail with ``RESPError/clientShutDown(server:)``.
    func shutdown() async {
        let (waiters, connections) = state.withLock { state in
            state.isShutDown = true
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            state.queue = []
            state.idle = []
            return (waiters, Array(state.open.values))
        }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(throwing: RESPError.clientShutDown(server: configuration.server))
        }
        for connection in connections { await connection.close() }
    }

    /// An idle connection, or leave to open one, at once when there is one, else when one frees up.
    private func grant() async throws -> Grant {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                let immediate: Result<Grant, any Error>? = state.withLock { state in
                    if state.isShutDown { return .failure(RESPError.clientShutDown(server: configuration.server)) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let connection = state.idle.popLast() { return .success(.connection(connection)) }
                    if state.slotsTaken < configuration.maxConnections {
                        state.slotsTaken += 1
                        return .success(.slot)
                    }
                    let timer = eventLoopGroup.any().scheduleTask(in: TimeAmount(configuration.leaseTimeout)) { [self] in
                        timeOut(id)
                    }
                    state.waiters[id] = Waiter(continuation: continuation, timer: timer)
                    state.queue.append(id)
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            fail(id, with: CancellationError())
        }
    }

    private func timeOut(_ id: Int) {
        fail(id, with: RESPError.noFreeConnection(server: configuration.server, timeout: configuration.leaseTimeout))
    }

    private func fail(_ id: Int, with error: any Error) {
        let waiter = state.withLock { state in
            state.queue.removeAll { $0 == id }
            return state.waiters.removeValue(forKey: id)
        }
        guard let waiter else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(throwing: error)
    }

    /// Opens a connection in a place already taken; frees the place again when it fails.
    private func open() async throws -> RESPConnection {
        let connection: RESPConnection
        do {
            connection = try await RESPConnection.connect(configuration: configuration, eventLoop: eventLoopGroup.next(), logger: logger)
        } catch {
            freeSlot()
            throw error
        }
        let kept = state.withLock { state in
            guard !state.isShutDown else { return false }
            state.open[connection.id] = connection
            return true
        }
        guard kept else {
            freeSlot()
            await connection.close()
            throw RESPError.clientShutDown(server: configuration.server)
        }
        return connection
    }

    private func freeSlot() {
        let waiter: Waiter? = state.withLock { state in
            state.slotsTaken -= 1
            guard !state.isShutDown, let waiter = state.popWaiter() else { return nil }
            state.slotsTaken += 1
            return waiter
        }
        if let waiter {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: .slot)
        }
    }
}
