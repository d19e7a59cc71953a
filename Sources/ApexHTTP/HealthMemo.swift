import ApexCore
import ApexPorts
import HTTPTypes
import Synchronization

/// The stores' health as last checked, checked again at most once per `maxAge`: `/health` costs no store round trip
/// on most calls, whatever the probe rate, and still reports a store that went down within `maxAge`.
final class HealthMemo: Sendable {
    private struct Checked {
        var stores: [StoreHealth]
        var at: ContinuousClock.Instant
    }

    private let last = Mutex<Checked?>(nil)
    private let checking = Mutex(false)
    let maxAge: Duration

    init(maxAge: Duration = .seconds(1)) { self.maxAge = maxAge }

    /// The last result while it is fresh, without waiting: nil when a check is due.
    func fresh() -> [StoreHealth]? {
        let now = ContinuousClock.now
        return last.withLock { checked in checked.flatMap { now - $0.at < maxAge ? $0.stores : nil } }
    }

    /// The last result while it is fresh; else a new check (one caller checks, the others get the last result meanwhile).
    func stores(_ check: () async -> [StoreHealth]) async -> [StoreHealth] {
        let now = ContinuousClock.now
        let current = last.withLock { $0 }
        if let current, now - current.at < maxAge { return current.stores }
        let mine = checking.withLock { busy in
            if busy { return false }
            busy = true
            return true
        }
        if !mine, let current { return current.stores }
        let stores = await check()
        last.withLock { $0 = Checked(stores: stores, at: ContinuousClock.now) }
        if mine { checking.withLock { $0 = false } }
        return stores
    }
}

/// What `/health` answers for the stores as checked: 200 while every store but the cache answers, else 503.
struct HealthAnswer {
    let status: HTTPResponse.Status
    let body: [UInt8]

    init(stores: [StoreHealth]) {
        // A cache that does not answer makes answers slower, not wrong: the server stays up (200), degraded.
        let healthy = stores.filter { $0.name != "cache" }.allSatisfy(\.healthy)
        let body: JSONValue = [
            "status": .string(healthy && stores.allSatisfy(\.healthy) ? "ok" : "degraded"),
            "stores": .object(stores.map { store in
                (store.name, ["kind": .string(store.kind), "status": .string(store.healthy ? "ok" : "down"), "detail": .string(store.detail)])
            }),
        ]
        self.status = healthy ? .ok : .serviceUnavailable
        self.body = JSONWriter.bytes(body)
    }
}
