import Metrics

/// The saga counters and step timers `/metrics` shows (docs/graph.md, "Writes"): how many multi-store writes started,
/// committed, were undone or recovered, and how long each store's step takes.
enum SagaMetrics {
    /// One more saga of `kind` reached `outcome` (`started`, `committed`, `compensated`, `recovered_committed`, `recovered_compensated`).
    static func count(_ outcome: String, kind: String = "ingest") {
        Counter(label: "apex_sagas_total", dimensions: [("kind", kind), ("outcome", outcome)]).increment()
    }

    /// Runs one step of a saga against `store` (`graph`, `records`), timing it.
    static func step<Result>(_ store: String, _ body: () async throws -> Result) async rethrows -> Result {
        let clock = ContinuousClock()
        let started = clock.now
        defer {
            let elapsed = clock.now - started
            Metrics.Timer(label: "apex_saga_step_seconds", dimensions: [("store", store)], preferredDisplayUnit: .seconds)
                .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        return try await body()
    }
}
