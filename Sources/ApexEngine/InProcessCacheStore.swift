public import ApexCore
public import ApexPorts
import Synchronization

/// The cache of one process: the ``CacheStore`` protocol over a dictionary, bounded in entries.
///
/// Right for one `apex serve` over stores no other process writes (`--cache-url memory://`);
/// several processes share Redis instead. It keeps the same generations as
/// the Redis adapter, so the engine's guarantee does not depend on which one
/// runs.
public final class InProcessCacheStore: CacheStore {
    private struct Entry {
        var value: [UInt8]
        var global: Int64
        var generations: [EntityRef: Int64]
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [CacheKey: Entry] = [:]
        var generations: [EntityRef: Int64] = [:]
        var busy: [EntityRef: (count: Int, until: ContinuousClock.Instant)] = [:]
        var global: Int64 = 0
        var epoch: Int64 = 0
        var globalBusy: (count: Int, until: ContinuousClock.Instant)?
        var claims: [CacheKey: ContinuousClock.Instant] = [:]
        var reads: [EntityRef: Int] = [:]
    }

    private let state = Mutex(State())
    private let capacity: Int
    /// How long a write may hold its busy marks when it never ends them.
    public let writeLease: Duration
    private let clock = ContinuousClock()

    public init(capacity: Int = 100_000, writeLease: Duration = .seconds(30)) {
        self.capacity = max(1, capacity)
        self.writeLease = writeLease
    }

    public func lookup(_ key: CacheKey) async throws -> CacheLookup {
        let now = clock.now
        return state.withLock { state in
            let owner = key.owner.map { state.generations[$0] ?? 0 } ?? 0
            let busy = Self.isBusy(key.owner, in: state, now: now)
            let stamp = CacheStamp(global: state.global, owner: owner, epoch: state.epoch, busy: busy)
            guard let entry = state.entries[key] else { return CacheLookup(value: nil, stamp: stamp) }
            let current =
                entry.expires > now && entry.global == state.global
                && entry.generations.allSatisfy { ref, generation in (state.generations[ref] ?? 0) == generation }
            if !current { state.entries[key] = nil }
            return CacheLookup(value: current ? entry.value : nil, stamp: stamp)
        }
    }

    public func fill(_ key: CacheKey, value: [UInt8], partners: [EntityRef], ttl: Duration, stamp: CacheStamp) async throws -> Bool {
        let now = clock.now
        return state.withLock { state in
            guard state.global == stamp.global, key.owner.map({ state.generations[$0] ?? 0 }) ?? 0 == stamp.owner,
                partners.isEmpty || state.epoch == stamp.epoch,
                !Self.isBusy(key.owner, in: state, now: now), !partners.contains(where: { Self.isBusy($0, in: state, now: now) })
            else { return false }
            if state.entries.count >= capacity, state.entries[key] == nil {
                // Full: drop what has expired, else everything (a cache may forget anything).
                state.entries = state.entries.filter { $0.value.expires > now }
                if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            var generations: [EntityRef: Int64] = [:]
            for ref in partners + (key.owner.map { [$0] } ?? []) { generations[ref] = state.generations[ref] ?? 0 }
            state.entries[key] = Entry(value: value, global: state.global, generations: generations, expires: now.advanced(by: ttl))
            return true
        }
    }

    public func beginWrite(_ scope: CacheWriteScope) async throws {
        let until = clock.now.advanced(by: writeLease)
        state.withLock { state in
            if scope.supersedes { state.epoch += 1 }
            if scope.everything {
                state.global += 1
                state.globalBusy = ((state.globalBusy?.count ?? 0) + 1, until)
            }
            for ref in scope.entities {
                state.generations[ref, default: 0] += 1
                state.busy[ref] = ((state.busy[ref]?.count ?? 0) + 1, until)
            }
        }
    }

    public func endWrite(_ scope: CacheWriteScope) async throws {
        state.withLock { state in
            if scope.supersedes { state.epoch += 1 }
            if scope.everything {
                state.global += 1
                if let busy = state.globalBusy { state.globalBusy = busy.count > 1 ? (busy.count - 1, busy.until) : nil }
            }
            for ref in scope.entities {
                state.generations[ref, default: 0] += 1
                if let busy = state.busy[ref] { state.busy[ref] = busy.count > 1 ? (busy.count - 1, busy.until) : nil }
            }
        }
    }

    public func claimFill(_ key: CacheKey, lease: Duration) async throws -> Bool {
        let now = clock.now
        return state.withLock { state in
            if let until = state.claims[key], until > now { return false }
            state.claims[key] = now.advanced(by: lease)
            return true
        }
    }

    public func releaseFill(_ key: CacheKey) async throws {
        _ = state.withLock { $0.claims.removeValue(forKey: key) }
    }

    public func recordReads(_ counts: [EntityRef: Int]) async throws {
        state.withLock { state in
            state.reads.merge(counts, uniquingKeysWith: +)
            // Keep the counts bounded: past twice the capacity, forget the least read half.
            if state.reads.count > capacity * 2 {
                let kept = state.reads.sorted { $0.value > $1.value }.prefix(capacity)
                state.reads = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
            }
        }
    }

    public func hottest(limit: Int) async throws -> [EntityRef] {
        state.withLock { state in state.reads.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(limit).map(\.key) }
    }

    public func health() async -> StoreHealth {
        let count = state.withLock { $0.entries.count }
        return StoreHealth(name: "cache", kind: "memory", healthy: true, detail: "\(count) entries in this process")
    }

    private static func isBusy(_ ref: EntityRef?, in state: State, now: ContinuousClock.Instant) -> Bool {
        if let global = state.globalBusy, global.until > now { return true }
        guard let ref, let busy = state.busy[ref] else { return false }
        return busy.until > now
    }
}
