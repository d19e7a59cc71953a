public import ApexCore
public import ApexPorts

/// The phase changes of `apex move` (docs/moving.md), each a compare-and-set of the state the source keeps, so that
/// a phase run twice at once changes it once and every process over the source follows the same move.
public struct MovePhases: Sendable {
    /// The source's store, where the state lives.
    public let store: any MoveStateStore

    public init(store: any MoveStateStore) {
        self.store = store
    }

    /// The move's state, or nil when none was ever started.
    public func current() async throws -> MoveState? {
        guard let stored = try await store.moveState() else { return nil }
        return try MoveState.parse(stored)
    }

    /// The state of a move under way (not rolled back or finished).
    public func active() async throws -> MoveState {
        guard let state = try await current() else { throw MoveError.noMove }
        guard !state.phase.isOver else { throw MoveError.moveOver(phase: state.phase) }
        return state
    }

    /// Starts a move to `target`, whose stores must be empty (the caller checked them and stored the ontology there).
    public func start(to target: MoveTarget, now: Timestamp = .wallClock) async throws -> MoveState {
        let stored = try await store.moveState()
        if let stored {
            let previous = try MoveState.parse(stored)
            guard previous.phase.isOver else { throw MoveError.alreadyMoving(phase: previous.phase) }
            // After a finish the target took the writes alone: these stores are stale, and nothing may move from them.
            guard previous.phase != .finished else { throw MoveError.sourceMovedAway(target: previous.target.name) }
        }
        let id = UUIDv7Generator().next(unixMilliseconds: UInt64(max(0, now.microseconds / 1_000)))
        let state = MoveState(id: id, target: target, startedAt: now)
        guard try await store.saveMoveState(state.text, expected: stored?.generation ?? 0, at: now) else { throw MoveError.changedMeanwhile }
        return state
    }

    /// Applies `change` to the stored state, reading it again when another process changed it meanwhile.
    @discardableResult
    public func update(now: Timestamp = .wallClock, _ change: (inout MoveState) throws -> Void) async throws -> MoveState {
        for _ in 0..<20 {
            guard let stored = try await store.moveState() else { throw MoveError.noMove }
            var state = try MoveState.parse(stored)
            let phase = state.phase
            try change(&state)
            if state.phase != phase { state.history.append((state.phase, now)) }
            if try await store.saveMoveState(state.text, expected: stored.generation, at: now) { return state }
        }
        throw MoveError.changedMeanwhile
    }

    /// `apex move canary --read-percent N`: after the backfill, N % of reads are compared (0 goes back to dual writes).
    public func canary(readPercent: Int) async throws -> MoveState {
        guard (0...100).contains(readPercent) else { throw MoveError.badReadPercent(readPercent) }
        return try await update { state in
            guard state.phase == .dualWrite || state.phase == .canary else {
                throw MoveError.wrongPhase(command: "canary", phase: state.phase, needs: "dual_write or canary")
            }
            guard state.backfill.done else { throw MoveError.backfillNotDone }
            state.readPercent = readPercent
            state.phase = readPercent == 0 ? .dualWrite : .canary
        }
    }

    /// `apex move cutover`: the target becomes the truth, once the backfill is done and a verify found both sides agreeing
    /// with no write missed since.
    public func cutover() async throws -> MoveState {
        try await update { state in
            guard state.phase == .dualWrite || state.phase == .canary else {
                throw MoveError.wrongPhase(command: "cutover", phase: state.phase, needs: "dual_write or canary")
            }
            guard state.backfill.done else { throw MoveError.backfillNotDone }
            guard state.verifiedAt != nil else { throw MoveError.notVerified(reason: "no verify has passed yet") }
            guard state.mirrorFailures == 0 else { throw MoveError.notVerified(reason: "\(state.mirrorFailures) write(s) reached one side only since") }
            state.phase = .cutover
            state.readPercent = 0
        }
    }

    /// `apex move rollback`: back to the source from any phase under way. After a cutover the source took every write
    /// second, so it misses none, unless a write reached the target only (then the rollback is refused).
    public func rollback() async throws -> MoveState {
        try await update { state in
            guard !state.phase.isOver else { throw MoveError.wrongPhase(command: "rollback", phase: state.phase, needs: "a move under way") }
            if state.phase == .cutover, state.mirrorFailures > 0 {
                throw MoveError.notVerified(
                    reason: "\(state.mirrorFailures) write(s) reached one side only; run apex move backfill to copy the target into the source first")
            }
            state.phase = .rolledBack
            state.readPercent = 0
        }
    }

    /// `apex move finish`: after a cutover, the target alone.
    public func finish() async throws -> MoveState {
        try await update { state in
            guard state.phase == .cutover else { throw MoveError.wrongPhase(command: "finish", phase: state.phase, needs: "cutover") }
            guard state.mirrorFailures == 0 else {
                throw MoveError.notVerified(reason: "\(state.mirrorFailures) write(s) reached one side only; run apex move backfill to copy the truth again")
            }
            state.phase = .finished
        }
    }

    /// A write reached one side only.
    func noteMirrorFailure() async throws {
        try await update { $0.mirrorFailures += 1 }
    }

    /// A canary read found the sides answering differently.
    func noteCanaryMismatch() async throws {
        try await update { $0.canaryMismatches += 1 }
    }
}
