public import ApexCore

/// Where a move goes: the stores `apex move start` was given, remembered for every later phase.
public struct MoveTarget: Sendable, Equatable {
    /// The embedded store's data directory (records there), or nil with a database URL.
    public var data: String?
    public var databaseURL: String?
    public var graphURL: String?

    public init(data: String?, databaseURL: String?, graphURL: String?) {
        self.data = data
        self.databaseURL = databaseURL
        self.graphURL = graphURL
    }

    /// `sqlite`, `postgres`, `sqlite+falkordb` or `postgres+falkordb`.
    public var name: String { (databaseURL == nil ? "sqlite" : "postgres") + (graphURL == nil ? "" : "+falkordb") }
}

/// The phases of a move (docs/moving.md), in the order a person runs them; `rolledBack` and `finished` end it.
public enum MovePhase: String, Sendable, CaseIterable {
    /// Every write goes to the source, then to the target; reads come from the source, which is the truth.
    case dualWrite = "dual_write"
    /// As `dualWrite`, and a share of reads is also answered by the target and compared with the source's answer.
    case canary
    /// The target is the truth: reads come from it, writes go to it, then to the source (for a rollback).
    case cutover
    /// Back to the source alone; the target is left as it was.
    case rolledBack = "rolled_back"
    /// The target alone: the move is over.
    case finished

    /// Whether writes go to both sides.
    public var writesBoth: Bool { self == .dualWrite || self == .canary || self == .cutover }
    /// Whether the target answers reads and takes writes first.
    public var targetIsTruth: Bool { self == .cutover || self == .finished }
    public var isOver: Bool { self == .rolledBack || self == .finished }
}

/// How far the backfill got: the last entity copied (in id order), what it copied, and whether it is done.
public struct BackfillProgress: Sendable, Equatable {
    public var after: EntityID?
    public var entities = 0
    public var records = 0
    public var documents = 0
    /// Every entity's records are copied; documents follow.
    public var entitiesDone = false
    /// The last document copied (in id order).
    public var documentsAfter: EntityID?
    public var done = false
    /// Seconds the backfill ran, over all its runs (for its rate).
    public var seconds = 0.0

    public init() {}
}

/// The state of a move, as every `apex` process over the source stores reads it (``MoveStateStore``).
public struct MoveState: Sendable, Equatable {
    public var id: EntityID
    public var target: MoveTarget
    public var phase: MovePhase
    public var startedAt: Timestamp
    /// Writes made from this time on are sure to reach both sides: every process has seen the move by then
    /// (``MoveState/followInterval`` after the start, twice over). The backfill waits for it.
    public var dualWriteFrom: Timestamp
    public var backfill = BackfillProgress()
    /// The share of reads a canary compares (0 to 100).
    public var readPercent = 0
    /// When the last verify found both sides agreeing, and what it checked.
    public var verifiedAt: Timestamp?
    /// Writes that reached one side only (the other failed): a backfill run again copies them.
    public var mirrorFailures = 0
    /// Canary reads whose answers differed between the sides (and stayed different when read again).
    public var canaryMismatches = 0
    /// Each phase change, in order.
    public var history: [(phase: MovePhase, at: Timestamp)] = []

    /// How often a running `apex serve` reads the move's state.
    public static let followInterval: Duration = .seconds(1)

    public init(id: EntityID, target: MoveTarget, startedAt: Timestamp) {
        self.id = id
        self.target = target
        self.phase = .dualWrite
        self.startedAt = startedAt
        self.dualWriteFrom = Timestamp(microseconds: startedAt.microseconds + 2 * Self.followIntervalMicroseconds + 1_000_000)
        self.history = [(.dualWrite, startedAt)]
    }

    static var followIntervalMicroseconds: Int64 {
        followInterval.components.seconds * 1_000_000 + followInterval.components.attoseconds / 1_000_000_000_000
    }

    public static func == (lhs: MoveState, rhs: MoveState) -> Bool {
        lhs.json == rhs.json
    }
}
