@testable import ApexHTTP
import Synchronization
import Testing

/// The admission gate: a bounded number run, the rest wait in arrival order, and a full queue is refused at once.
@Suite struct AdmissionGateTests {
    /// A request the test holds inside the gate until it lets it go.
    final class Held: Sendable {
        private let entered = Mutex<CheckedContinuation<Void, Never>?>(nil)
        private let release = Mutex<CheckedContinuation<Void, Never>?>(nil)
        private let isInside = Atomic<Bool>(false)

        var inside: Bool { isInside.load(ordering: .relaxed) }

        /// The body run inside the gate: says it entered, then waits for ``letGo()``.
        func body() async {
            isInside.store(true, ordering: .relaxed)
            await withCheckedContinuation { continuation in release.withLock { $0 = continuation } }
        }

        func letGo() async {
            // The body may not have parked its continuation yet: wait for it.
            while true {
                if let continuation = release.withLock({ held -> CheckedContinuation<Void, Never>? in
                    defer { held = nil }
                    return held
                }) {
                    continuation.resume()
                    return
                }
                await Task.yield()
            }
        }
    }

    /// The order requests ran in.
    final class Arrivals: Sendable {
        private let order = Mutex<[Int]>([])
        func append(_ index: Int) { order.withLock { $0.append(index) } }
        var all: [Int] { order.withLock { $0 } }
    }

    /// Waits (yielding) until `condition` holds, at most a few seconds.
    static func eventually(_ condition: () -> Bool) async {
        for _ in 0..<5_000 where !condition() { await Task.yield() }
    }

    @Test func aFullQueueIsRefusedAtOnceWith503Overloaded() async throws {
        let gate = AdmissionGate(maxRunning: 1, maxWaiting: 1)
        let first = Held()
        let running = Task { try await gate.admitted { await first.body() } }
        await Self.eventually { first.inside }
        #expect(first.inside)
        let second = Held()
        let waiting = Task { try await gate.admitted { await second.body() } }
        await Self.eventually { gate.waitingCount == 1 }
        #expect(gate.waitingCount == 1)
        #expect(!second.inside, "only one runs at a time")
        do {
            try await gate.admitted {}
            Issue.record("a third request was admitted past a full queue")
        } catch let error as APIError {
            #expect(error.status == .serviceUnavailable && error.code == "overloaded")
        }
        await first.letGo()
        try await running.value
        await Self.eventually { second.inside }
        #expect(second.inside, "the waiting request runs once a turn is free")
        await second.letGo()
        try await waiting.value
        #expect(gate.runningCount == 0 && gate.waitingCount == 0)
    }

    @Test func waitingRequestsRunInArrivalOrder() async throws {
        let gate = AdmissionGate(maxRunning: 1, maxWaiting: 100)
        let holder = Held()
        let running = Task { try await gate.admitted { await holder.body() } }
        await Self.eventually { holder.inside }
        let order = Arrivals()
        var waiting: [Task<Void, any Error>] = []
        for index in 0..<20 {
            waiting.append(Task { try await gate.admitted { order.append(index) } })
            // Each one queued before the next arrives.
            await Self.eventually { gate.waitingCount == index + 1 }
        }
        await holder.letGo()
        try await running.value
        for task in waiting { try await task.value }
        #expect(order.all == Array(0..<20))
    }
}
