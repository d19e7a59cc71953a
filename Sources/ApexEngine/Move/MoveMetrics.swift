import Metrics

/// The metrics of a move (docs/moving.md, "Metrics"): its phase, writes mirrored or not, canary reads and mismatches,
/// and the backfill's rows.
enum MoveMetrics {
    /// The phase in force, as a gauge per phase (1 for the current one).
    static func phase(_ current: MovePhase) {
        for phase in MovePhase.allCases {
            Gauge(label: "apex_move_phase", dimensions: [("phase", phase.rawValue)]).record(phase == current ? 1 : 0)
        }
    }

    /// A write reached the second side (`mirrored`) or did not (`failed`), `lag` after the first side took it.
    static func mirror(_ outcome: String, lag: Duration) {
        Counter(label: "apex_move_mirror_writes_total", dimensions: [("outcome", outcome)]).increment()
        Metrics.Timer(label: "apex_move_mirror_lag_seconds", preferredDisplayUnit: .seconds)
            .recordNanoseconds(lag.components.seconds * 1_000_000_000 + lag.components.attoseconds / 1_000_000_000)
    }

    /// What the stored state says (every process that follows the move publishes it): the backfill's progress,
    /// writes that reached one side only, canary mismatches.
    static func state(_ state: MoveState) {
        Gauge(label: "apex_move_backfill_entities").record(state.backfill.entities)
        Gauge(label: "apex_move_backfill_records").record(state.backfill.records)
        Gauge(label: "apex_move_backfill_documents").record(state.backfill.documents)
        Gauge(label: "apex_move_mirror_failures").record(state.mirrorFailures)
        Gauge(label: "apex_move_canary_mismatches").record(state.canaryMismatches)
    }

    /// A canary read compared both sides: `match` or `mismatch`.
    static func canary(_ outcome: String) {
        Counter(label: "apex_move_canary_reads_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// Rows a backfill copied (records and documents).
    static func backfilled(records: Int, documents: Int) {
        Counter(label: "apex_move_backfill_records_total").increment(by: records)
        Counter(label: "apex_move_backfill_documents_total").increment(by: documents)
    }
}
