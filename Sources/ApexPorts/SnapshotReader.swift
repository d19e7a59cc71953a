public import ApexCore
import Synchronization

/// One consistent read of what a state, timeline or history answer needs about one entity.
///
/// A store that keeps records and facts in one database answers it from one
/// read transaction; a composition of stores reads each role in turn. A cache
/// wraps this role as a decorator (DESIGN.md, "Ports by role").
public protocol SnapshotReader: Sendable {
    /// What a state, timeline or history query needs about one entity, as recorded by `knownAt`.
    func snapshot(of ref: EntityRef, property: String?, includeFacts: Bool, knownAt: Timestamp) async throws -> EntitySnapshot
}

/// Everything stored about one entity that a query needs, read at one moment.
public struct EntitySnapshot: Sendable {
    /// The ontology document in force.
    public var ontologySource: String?
    /// The entity, or nil when no record ever named it.
    public var entity: EntityHandle?
    /// Its property versions (of one property when asked).
    public var versions: [PropertyVersion]
    /// Fact versions it takes part in (empty unless asked for).
    public var facts: [FactVersion]
    /// End records it takes part in (empty unless asked for, or when it has no facts).
    public var ends: [FactEnd]
    /// True when the snapshot holds every stored row (its `knownAt` is at or after the newest `recorded_at`),
    /// so that what is derived from it holds for any later `knownAt`: the store may hand it out again.
    public var seesEveryRow: Bool
    /// Which sagas' writes to other stores this read must leave out (read in the same transaction); nil from a store
    /// that keeps no saga log.
    public var sagaVisibility: SagaVisibility?
    /// Derived results kept with a snapshot that sees every row, computed once.
    public let derived = SnapshotDerivations()

    public init(
        ontologySource: String?, entity: EntityHandle?, versions: [PropertyVersion], facts: [FactVersion], ends: [FactEnd],
        seesEveryRow: Bool = false
    ) {
        self.ontologySource = ontologySource
        self.entity = entity
        self.versions = versions
        self.facts = facts
        self.ends = ends
        self.seesEveryRow = seesEveryRow
    }

    /// The relation instances of the snapshot (``RelationResolver/instances(facts:ends:knownAt:)``), computed once when it sees every row.
    public func relationInstances(knownAt: Timestamp) -> [RelationInstance] {
        guard seesEveryRow else { return RelationResolver.instances(facts: facts, ends: ends, knownAt: knownAt) }
        return derived.instances { RelationResolver.instances(facts: facts, ends: ends, knownAt: knownAt) }
    }
}

/// A once-computed cache of what the engine derives from a snapshot that is handed out many times.
public final class SnapshotDerivations: Sendable {
    private let relationInstances = Mutex<[RelationInstance]?>(nil)

    public init() {}

    func instances(_ compute: () -> [RelationInstance]) -> [RelationInstance] {
        if let done = relationInstances.withLock({ $0 }) { return done }
        let computed = compute()
        relationInstances.withLock { $0 = computed }
        return computed
    }
}
