import ApexCore
public import ApexPorts
import Synchronization

/// Which stores a process reads and writes during a move, as the stored move state says, read again at most once per
/// ``MoveState/followInterval``: how a running `apex serve` follows `apex move` phases run by another process.
public actor MoveRoute {
    /// The stores the process was configured with: the move's source, where its state lives.
    public nonisolated let source: any TemporalStore
    private let openTarget: @Sendable (MoveTarget) async throws -> any TemporalStore
    private var state: MoveState?
    private var readAt: ContinuousClock.Instant?
    private var target: (id: EntityID, store: any TemporalStore)?
    private var targetFailure: (any Error)?
    /// Where phase changes and canary mismatches are told (standard error in `apex`).
    public nonisolated let log: @Sendable (String) -> Void
    /// True when the last read of the state found no move (or one rolled back): every call goes to the source. False
    /// until the state was first read.
    private nonisolated let quiet = Atomic(false)

    public init(
        source: any TemporalStore, openTarget: @escaping @Sendable (MoveTarget) async throws -> any TemporalStore, log: @escaping @Sendable (String) -> Void
    ) {
        self.source = source
        self.openTarget = openTarget
        self.log = log
    }

    /// Where reads and writes go now.
    public struct Plan: Sendable {
        public var phase: MovePhase?
        public var readPercent: Int
        public var source: any TemporalStore
        /// Nil when there is no move, or it was rolled back.
        public var target: (any TemporalStore)?

        /// The store that answers reads and takes writes first.
        public var truth: any TemporalStore { phase?.targetIsTruth == true ? (target ?? source) : source }
        /// The store that takes each write second, if any.
        public var mirror: (any TemporalStore)? {
            guard let phase, phase.writesBoth, let target else { return nil }
            return phase.targetIsTruth ? source : target
        }
    }

    /// The plan in force, reading the state again when the last read is older than the follow interval.
    public func plan() async throws -> Plan {
        let clock = ContinuousClock()
        if readAt.map({ clock.now - $0 >= MoveState.followInterval }) ?? true {
            try await refresh()
            readAt = clock.now
        }
        guard let state, state.phase != .rolledBack else { return Plan(phase: state?.phase, readPercent: 0, source: source, target: nil) }
        // The target is the truth and cannot be opened: nothing may be answered from the source in its place.
        if state.phase.targetIsTruth, target == nil { throw targetFailure ?? MoveError.unreadableState }
        return Plan(phase: state.phase, readPercent: state.phase == .canary ? state.readPercent : 0, source: source, target: target?.store)
    }

    /// Whether the last read of the state found no move under way, without waiting: the source alone answers.
    public nonisolated var isQuiet: Bool { quiet.load(ordering: .acquiring) }

    /// Reads the state now (a phase command calls it after changing the state, so that its own process follows at once).
    public func refresh() async throws {
        let stored = try await source.moveState()
        guard let stored else {
            state = nil
            quiet.store(true, ordering: .releasing)
            return
        }
        let next = try MoveState.parse(stored)
        if let state, next.phase != state.phase { log("move \(next.id): phase \(next.phase.rawValue)") }
        if target?.id != next.id, next.phase != .rolledBack {
            // A target that cannot be opened fails no write while the source is the truth (each write is counted as one
            // that missed it); it is tried again at the next read of the state.
            do {
                target = (next.id, try await openTarget(next.target))
                targetFailure = nil
            } catch {
                target = nil
                if targetFailure == nil { log("move \(next.id): the target \(next.target.name) cannot be opened (\(error)); trying again every second") }
                targetFailure = error
            }
        }
        state = next
        quiet.store(next.phase == .rolledBack, ordering: .releasing)
        MoveMetrics.phase(next.phase)
        MoveMetrics.state(next)
    }
}
