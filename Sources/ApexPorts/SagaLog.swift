public import ApexCore

/// Where multi-store writes are recorded so that a crash in the middle of one is finished or undone by the next process.
///
/// The record store keeps the log (DESIGN.md, "Writes"): a saga is begun
/// before any store writes, each step it completes is noted, and it ends
/// committed or compensated. Whoever runs a saga holds a lease on it; a
/// recoverer takes over only a saga whose lease ran out or whose owner is
/// gone, and the take-over is one conditional write, so two recoverers never
/// both run it.
public protocol SagaLog: Sendable {
    /// Records a new saga (its id minted by the engine), owned by its caller.
    func beginSaga(_ saga: SagaEntry) async throws

    /// Every saga neither committed nor compensated, oldest first.
    func sagasInFlight() async throws -> [SagaEntry]

    /// The saga with this id, if the log has it.
    func saga(_ id: EntityID) async throws -> SagaEntry?

    /// Takes `id` over for `owner` until `leaseUntil` when its lease ended before `now` or its owner is `goneOwner`.
    ///
    /// - Returns: whether the caller now owns the saga (false when another process holds it, or it is finished).
    func claimSaga(_ id: EntityID, owner: SagaOwner, leaseUntil: Timestamp, now: Timestamp, goneOwner: SagaOwner?) async throws -> Bool

    /// Which sagas' writes to other stores a reader must leave out now (``SagaVisibility``), in one read.
    func sagaVisibility() async throws -> SagaVisibility

    /// Notes a completed step and the saga's state, as its owner; refused (false) when another process has taken it over.
    func advanceSaga(_ id: EntityID, owner: SagaOwner, state: SagaState, stepsDone: [String], leaseUntil: Timestamp, at: Timestamp) async throws
        -> Bool
}

/// One multi-store write as the log holds it.
public struct SagaEntry: Sendable, Equatable {
    /// Engine-minted (UUIDv7): the same id tags what each step writes, which makes the steps idempotent.
    public var id: EntityID
    public var kind: SagaKind
    public var state: SagaState
    /// The steps completed so far, in order.
    public var stepsDone: [String]
    public var owner: SagaOwner
    public var leaseUntil: Timestamp
    public var startedAt: Timestamp
    public var updatedAt: Timestamp
    /// What the steps and their compensations need to be run again (JSON), e.g. the entities an ingest names.
    public var detail: String

    public init(
        id: EntityID, kind: SagaKind, state: SagaState = .running, stepsDone: [String] = [], owner: SagaOwner, leaseUntil: Timestamp,
        startedAt: Timestamp, updatedAt: Timestamp? = nil, detail: String = "{}"
    ) {
        self.id = id
        self.kind = kind
        self.state = state
        self.stepsDone = stepsDone
        self.owner = owner
        self.leaseUntil = leaseUntil
        self.startedAt = startedAt
        self.updatedAt = updatedAt ?? startedAt
        self.detail = detail
    }
}

/// What a saga writes.
public enum SagaKind: String, Sendable, CaseIterable {
    case ingest
    case documentSave = "document_save"
    case documentDelete = "document_delete"
    case vectorReindex = "vector_reindex"
}

/// Where a saga stands: running (forward), compensating (undoing), or finished one way or the other.
public enum SagaState: String, Sendable, CaseIterable {
    case running
    case compensating
    case committed
    case compensated

    /// Whether the saga is finished: nothing is left to run or undo.
    public var isFinished: Bool { self == .committed || self == .compensated }
}

/// The process that runs a saga: host name and process id, so that a recoverer on the same host can tell it is gone.
public struct SagaOwner: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var processID: Int32

    public init(host: String, processID: Int32) {
        self.host = host
        self.processID = processID
    }

    /// `host:pid`, as the log stores it.
    public var description: String { "\(host):\(processID)" }

    /// The owner a stored `host:pid` names; nil when the text is not one.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let processID = Int32(text[text.index(after: colon)...]) else { return nil }
        self.init(host: String(text[..<colon]), processID: processID)
    }
}

/// How a log stores a saga's completed steps: their names (identifiers, no commas) joined by commas.
public enum SagaSteps {
    public static func encode(_ steps: [String]) -> String { steps.joined(separator: ",") }

    /// The names in `text`; nil when one is not an identifier.
    public static func decode(_ text: String) -> [String]? {
        guard !text.isEmpty else { return [] }
        let steps = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_-.")
        guard steps.allSatisfy({ !$0.isEmpty && $0.allSatisfy(allowed.contains) }) else { return nil }
        return steps
    }
}

/// The saga step a record-store write completes in its own transaction: the saga's point of no return.
///
/// The store notes `stepsDone` on the saga in the same transaction as the
/// records, and only while `owner` still holds the saga; otherwise it throws
/// ``SagaTakenOver`` and stores nothing.
public struct SagaCommit: Sendable, Equatable {
    public var id: EntityID
    public var owner: SagaOwner
    public var stepsDone: [String]
    public var at: Timestamp

    public init(id: EntityID, owner: SagaOwner, stepsDone: [String], at: Timestamp) {
        self.id = id
        self.owner = owner
        self.stepsDone = stepsDone
        self.at = at
    }
}

/// A saga was taken over (by a recovery that judged its owner gone) before its owner could commit it.
public struct SagaTakenOver: Error, CustomStringConvertible {
    public var id: EntityID

    public init(id: EntityID) { self.id = id }

    public var description: String {
        "the write \(id) was taken over by a recovery before its records were stored; nothing of it was stored, run it again"
    }
}

/// Which sagas' writes a reader of another store must leave out, as of one read of the log: what makes a multi-store
/// write visible everywhere at once (docs/graph.md, "Writes").
///
/// A saga's writes become visible with the record store's transaction (its
/// point of no return). Until then they are hidden: those of sagas in flight
/// that have not passed it (`hidden`), and those of sagas begun after the
/// read, whose UUIDv7 ids sort after the newest id the log held (`horizon`).
public struct SagaVisibility: Sendable, Equatable {
    /// Sagas in flight whose record-store step is not done.
    public var hidden: Set<EntityID>
    /// The newest saga id in the log when it was read; nil when it held none (every tagged write is then hidden).
    public var horizon: EntityID?

    public init(hidden: Set<EntityID>, horizon: EntityID?) {
        self.hidden = hidden
        self.horizon = horizon
    }

    /// Whether a write tagged with `saga` (nil: untagged) is visible.
    public func shows(_ saga: EntityID?) -> Bool {
        guard let saga else { return true }
        guard let horizon else { return false }
        return saga <= horizon && !hidden.contains(saga)
    }
}
