import ApexPorts
import Metrics
import Synchronization

/// What the cache did, for `/metrics` (`apex_cache_*`) and for the hit ratio `apex serve` logs at shutdown.
public final class CacheCounters: Sendable {
    private let hits = Atomic<Int>(0)
    private let misses = Atomic<Int>(0)
    private let hitCounters: [CacheClass: Counter]
    private let missCounters: [CacheClass: Counter]
    private let invalidations = Counter(label: "apex_cache_invalidations_total")
    private let waits = Counter(label: "apex_cache_single_flight_waits_total")
    private let errors = Counter(label: "apex_cache_errors_total")
    private let fills = Counter(label: "apex_cache_fills_total", dimensions: [("result", "stored")])
    private let refusals = Counter(label: "apex_cache_fills_total", dimensions: [("result", "refused")])
    private let errorCount = Atomic<Int>(0)
    private let waitCount = Atomic<Int>(0)

    init() {
        hitCounters = Dictionary(uniqueKeysWithValues: CacheClass.allCases.map { ($0, Counter(label: "apex_cache_hits_total", dimensions: [("class", $0.rawValue)])) })
        missCounters = Dictionary(uniqueKeysWithValues: CacheClass.allCases.map { ($0, Counter(label: "apex_cache_misses_total", dimensions: [("class", $0.rawValue)])) })
    }

    func hit(_ cacheClass: CacheClass) {
        hits.add(1, ordering: .relaxed)
        hitCounters[cacheClass]?.increment()
    }

    func miss(_ cacheClass: CacheClass) {
        misses.add(1, ordering: .relaxed)
        missCounters[cacheClass]?.increment()
    }

    func invalidated(_ entities: Int) { invalidations.increment(by: max(1, entities)) }
    func filled() { fills.increment() }
    func refused() { refusals.increment() }

    func waitedInFlight() {
        waitCount.add(1, ordering: .relaxed)
        waits.increment()
    }

    func failed() {
        errorCount.add(1, ordering: .relaxed)
        errors.increment()
    }

    /// Hits, misses, single-flight waits and cache errors since the process started.
    public var totals: (hits: Int, misses: Int, waits: Int, errors: Int) {
        (hits.load(ordering: .relaxed), misses.load(ordering: .relaxed), waitCount.load(ordering: .relaxed), errorCount.load(ordering: .relaxed))
    }

    /// Hits over lookups, or nil before any lookup.
    public var hitRatio: Double? {
        let (hits, misses, _, _) = totals
        return hits + misses == 0 ? nil : Double(hits) / Double(hits + misses)
    }
}

/// One computation per key at a time in this process: later callers for the key wait for the first one's result.
actor SingleFlight {
    private var running: [CacheKey: Task<any Sendable, any Error>] = [:]

    /// `work`'s result, or that of the call already running for `key` when `accept` takes it.
    func run<Value: Sendable>(
        key: CacheKey, accept: @Sendable (Value) -> Bool, waited: @Sendable () -> Void, _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        if let task = running[key] {
            if let value = try? await task.value as? Value, accept(value) {
                waited()
                return value
            }
            return try await work()
        }
        let task = Task<any Sendable, any Error> { try await work() }
        running[key] = task
        defer { running[key] = nil }
        guard let value = try await task.value as? Value else { return try await work() }
        return value
    }
}
