import ApexCore
public import ApexPorts
import Synchronization

/// How the engine uses a ``CacheStore``: TTL classes with jitter, single flight, and falling back to the stores.
///
/// A read looks its key up; on a miss one caller per key (in this process
/// through ``SingleFlight``, across processes through the store's fill claim)
/// reads the stores and fills, while the others wait for its answer. Any cache
/// error is counted, makes reads skip the cache for ``CacheSettings/retryAfter``, and the answer comes from the
/// stores instead: a cache outage makes reads slower, never wrong. Writes are
/// the opposite: they must reach the cache before the stores (see
/// ``MemoryService``), so that no process can keep serving what they replace.
public final class MemoryCache: Sendable {
    public let store: any CacheStore
    public let settings: CacheSettings
    public let counters = CacheCounters()
    let flights = SingleFlight()
    /// Until when reads skip the cache after it failed, so that a dead or paused Redis costs one timeout, not one per request.
    private let skipUntil = Mutex<ContinuousClock.Instant?>(nil)
    /// Reads not yet added to the cache's read counts (see ``noteRead(_:)``).
    private let pendingReads = Mutex<[EntityRef: Int]>([:])
    /// How many distinct entities' reads are gathered before they are sent.
    static let readBatch = 256

    public init(store: any CacheStore, settings: CacheSettings = CacheSettings()) {
        self.store = store
        self.settings = settings
    }

    /// What a read computed, and what of it to keep.
    struct Computed<Value: Sendable>: Sendable {
        var value: Value
        var fill: Fill?
    }

    /// An entry to store: under which key (the owner must be the looked-up key's), its bytes, and its partners.
    struct Fill: Sendable {
        var key: CacheKey
        var bytes: [UInt8]
        var partners: [EntityRef]
    }

    /// The cached value of `key` when `decode` accepts the entry; else `compute`'s, stored as it says.
    ///
    /// - Parameters:
    ///   - decode: the value an entry holds, or nil when it cannot answer this question (then it is a miss).
    ///   - accept: whether a value another caller computed for the same key answers this question too.
    ///   - compute: reads the stores; returns the value and the entry to store, if any.
    func value<Value: Sendable>(
        _ key: CacheKey, decode: @escaping @Sendable ([UInt8]) -> Value?, accept: @escaping @Sendable (Value) -> Bool,
        compute: @escaping @Sendable () async throws -> Computed<Value>
    ) async throws -> Value {
        if let until = skipUntil.withLock({ $0 }), ContinuousClock.now < until {
            counters.miss(key.cacheClass)
            return try await compute().value
        }
        let stamp: CacheStamp?
        do {
            let found = try await store.lookup(key)
            recovered()
            if let bytes = found.value, let value = decode(bytes) {
                counters.hit(key.cacheClass)
                return value
            }
            stamp = found.stamp
        } catch {
            failed(error)
            stamp = nil
        }
        counters.miss(key.cacheClass)
        guard let stamp else { return try await compute().value }
        // Only a value whose entry was stored may go to callers that came later: storing proved no write intervened.
        let shared = try await flights.run(key: key, accept: { $0.stored && accept($0.value) }, waited: { [counters] in counters.waitedInFlight() }) {
            try await self.fillOnce(key, stamp: stamp, decode: decode, compute: compute)
        }
        return shared.value
    }

    /// A value and whether it is current in the cache (stored by this caller, or found there).
    struct Shared<Value: Sendable>: Sendable {
        var value: Value
        var stored: Bool
    }

    /// Reads and fills as the one filler of `key` across processes; or waits a little for the process that is.
    private func fillOnce<Value: Sendable>(
        _ key: CacheKey, stamp: CacheStamp, decode: @Sendable ([UInt8]) -> Value?, compute: @Sendable () async throws -> Computed<Value>
    ) async throws -> Shared<Value> {
        guard !stamp.busy else { return Shared(value: try await compute().value, stored: false) }
        let claimed: Bool
        do {
            claimed = try await store.claimFill(key, lease: settings.fillLease)
        } catch {
            failed(error)
            return Shared(value: try await compute().value, stored: false)
        }
        if !claimed {
            // Another process reads the stores for this key: its entry is usually there within milliseconds.
            let deadline = ContinuousClock.now.advanced(by: settings.fillWait)
            while ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(2))
                guard let found = try? await store.lookup(key) else { break }
                if let bytes = found.value, let value = decode(bytes) {
                    counters.waitedInFlight()
                    return Shared(value: value, stored: true)
                }
            }
            return Shared(value: try await compute().value, stored: false)
        }
        // The filler before this one may have stored its entry and released its claim since this caller looked: then
        // the entry is there, and reading the stores again would make two reads of one miss.
        if let found = try? await store.lookup(key), let bytes = found.value, let value = decode(bytes) {
            try? await store.releaseFill(key)
            counters.waitedInFlight()
            return Shared(value: value, stored: true)
        }
        let started = ContinuousClock.now
        let computed: Computed<Value>
        do {
            computed = try await compute()
        } catch {
            try? await store.releaseFill(key)
            throw error
        }
        // A read that took longer than the write lease might have missed a write whose marks expired: keep nothing.
        var stored = false
        if let fill = computed.fill, ContinuousClock.now - started < settings.writeLease / 2 {
            do {
                stored = try await store.fill(fill.key, value: fill.bytes, partners: fill.partners, ttl: settings.ttl(fill.key.cacheClass), stamp: stamp)
                if stored { counters.filled() } else { counters.refused() }
            } catch {
                failed(error)
            }
        }
        try? await store.releaseFill(key)
        return Shared(value: computed.value, stored: stored)
    }

    /// Counts a read of `ref` toward the hottest entities warmed on the next start; sent to the cache in batches.
    func noteRead(_ ref: EntityRef) async {
        let batch: [EntityRef: Int]? = pendingReads.withLock { pending in
            pending[ref, default: 0] += 1
            guard pending.count >= Self.readBatch else { return nil }
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        if let batch { try? await store.recordReads(batch) }
    }

    /// Sends the reads gathered so far (at shutdown).
    public func flushReads() async {
        let batch = pendingReads.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        try? await store.recordReads(batch)
    }

    /// Runs a store write between the cache's two invalidations of `scope`: the first must succeed (else nothing is
    /// written), the second runs whether the write succeeded or not, and its failure leaves the marks to expire.
    func invalidating<Result: Sendable>(_ scope: CacheWriteScope, _ write: () async throws -> Result) async throws -> Result {
        try await beginWrite(scope)
        do {
            let result = try await write()
            await endWrite(scope)
            return result
        } catch {
            await endWrite(scope)
            throw error
        }
    }

    /// Raises the generations of what a write touches before it writes; an error here stops the write.
    private func beginWrite(_ scope: CacheWriteScope) async throws {
        do {
            try await store.beginWrite(scope)
            counters.invalidated(scope.entities.count)
        } catch {
            failed(error)
            throw WriteError.cacheUnavailable(reason: "\(error)")
        }
    }

    /// Raises them again once the stores committed; an error here leaves the marks to expire (the write stands).
    private func endWrite(_ scope: CacheWriteScope) async {
        do {
            try await store.endWrite(scope)
        } catch {
            failed(error)
        }
    }

    /// The cache's health: down when it does not answer now (then reads go to the stores and writes are refused).
    public func health() async -> StoreHealth {
        let health = await store.health()
        if health.healthy { recovered() }
        return health
    }

    private func failed(_ error: any Error) {
        counters.failed()
        skipUntil.withLock { $0 = ContinuousClock.now.advanced(by: settings.retryAfter) }
    }

    private func recovered() {
        skipUntil.withLock { until in if until != nil { until = nil } }
    }
}

/// The cache's lifetimes and waits; the defaults are the seeds' TTL classes.
public struct CacheSettings: Sendable {
    /// The lifetime of each class's entries.
    public var ttls: [CacheClass: Duration]
    /// Each entry lives its class's TTL times a random factor in 1 ± jitter, so that entries filled together do not expire together.
    public var jitter: Double
    /// How long a process waits for another process filling the same key before it reads the stores itself.
    public var fillWait: Duration
    /// How long a fill claim holds when its holder never releases it.
    public var fillLease: Duration
    /// How long a write's busy marks hold when it never ends them (see ``InProcessCacheStore/writeLease``).
    public var writeLease: Duration
    /// After a cache error, how long reads go straight to the stores before the cache is tried again.
    public var retryAfter: Duration

    public init(
        ttls: [CacheClass: Duration] = [:], jitter: Double = 0.1, fillWait: Duration = .milliseconds(250), fillLease: Duration = .seconds(5),
        writeLease: Duration = .seconds(30), retryAfter: Duration = .seconds(1)
    ) {
        self.retryAfter = retryAfter
        self.ttls = ttls
        self.jitter = min(max(jitter, 0), 0.5)
        self.fillWait = fillWait
        self.fillLease = fillLease
        self.writeLease = writeLease
    }

    /// The TTL of one new entry of `cacheClass`, jittered.
    public func ttl(_ cacheClass: CacheClass) -> Duration {
        let base = ttls[cacheClass] ?? cacheClass.defaultTTL
        guard jitter > 0 else { return base }
        return base * Double.random(in: (1 - jitter)...(1 + jitter))
    }
}

/// Why a write did not start.
public enum WriteError: Error, Sendable, CustomStringConvertible {
    /// The shared cache did not take the write's invalidation: nothing was written, so that no process keeps serving the old answers.
    case cacheUnavailable(reason: String)

    public var description: String {
        switch self {
        case .cacheUnavailable(let reason): "the cache did not answer, so nothing was written (no process could be told of the write): \(reason)"
        }
    }
}
