import ApexPorts
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
