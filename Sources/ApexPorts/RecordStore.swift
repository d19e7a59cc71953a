public import ApexCore
import Synchronization

/// Where entities, their property history and the ontology live (DESIGN.md, "Who owns which data").
///
/// The engine reads and writes through this protocol only; the embedded
/// SQLite adapter and the server adapters implement it. Reads take the
/// transaction time `knownAt` so that an adapter can filter in its index;
/// the core filters again, so over-fetching is harmless.
public protocol RecordStore: Sendable {
    /// The stored ontology document as it was given, or nil before the first ingest.
    ///
    /// The engine parses it and caches the result for as long as the text is unchanged.
    func ontologySource() async throws -> String?

    /// Stores every record `makeSource` yields, all or nothing.
    ///
    /// The source is created and drained inside the store's write transaction;
    /// if it throws, nothing of it is stored. When `ontology` is given it is
    /// stored in the same transaction.
    func ingest(ontology: StoredOntology?, _ makeSource: @escaping @Sendable () throws -> any RecordSource) async throws -> IngestSummary

    /// The entity with this natural key, if any record ever named it.
    func entity(_ ref: EntityRef) async throws -> EntityHandle?

    /// The entity with this id, if any.
    func entity(id: EntityID) async throws -> EntityHandle?

    /// Stored versions of the entity's properties (of one property when given) recorded at or before `knownAt`.
    func propertyVersions(of entity: EntityID, property: String?, knownAt: Timestamp) async throws -> [PropertyVersion]

    /// Which entity types, properties and relation types stored data uses, to check a changed ontology against.
    func schemaUsage() async throws -> SchemaUsage
}

/// Where facts (relations) live: SQL tables in embedded and PostgreSQL modes, a Cypher graph later.
public protocol GraphStore: Sendable {
    /// Every fact version in which the entity is the source or the target, recorded at or before `knownAt`.
    func facts(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactVersion]

    /// Every `end` record in which the entity is the source or the target, recorded at or before `knownAt`.
    func ends(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactEnd]

    /// The smallest `valid_at` greater than `after` among facts of `relation` with `entity` on `side`, recorded by `knownAt`.
    ///
    /// This is what supersedes a fact under the `many_to_one`, `one_to_many` and `one_to_one` cardinalities.
    func earliestFact(relation: String, side: FactSide, entity: EntityID, after: Timestamp, knownAt: Timestamp) async throws -> Timestamp?
}

/// Which end of a relation an entity is on.
public enum FactSide: Sendable {
    case from, to
}

/// The stores a memory answers from: records and facts together.
///
/// ``snapshot(of:property:includeFacts:knownAt:)`` fetches everything one query needs;
/// an adapter that keeps both in one database answers it from one read
/// transaction (one consistent snapshot, one round trip).
public protocol TemporalStore: RecordStore, GraphStore, AnalyticsStore, DocumentStore {
    /// What a state, timeline or history query needs about one entity, as recorded by `knownAt`.
    func snapshot(of ref: EntityRef, property: String?, includeFacts: Bool, knownAt: Timestamp) async throws -> EntitySnapshot
}

extension TemporalStore {
    /// Composes the snapshot from the separate reads (for adapters whose stores are apart).
    public func snapshot(of ref: EntityRef, property: String?, includeFacts: Bool, knownAt: Timestamp) async throws -> EntitySnapshot {
        let source = try await ontologySource()
        guard let handle = try await entity(ref) else {
            return EntitySnapshot(ontologySource: source, entity: nil, versions: [], facts: [], ends: [])
        }
        let versions = try await propertyVersions(of: handle.id, property: property, knownAt: knownAt)
        guard includeFacts else {
            return EntitySnapshot(ontologySource: source, entity: handle, versions: versions, facts: [], ends: [])
        }
        let facts = try await facts(touching: handle.id, knownAt: knownAt)
        let ends = facts.isEmpty ? [] : try await ends(touching: handle.id, knownAt: knownAt)
        return EntitySnapshot(ontologySource: source, entity: handle, versions: versions, facts: facts, ends: ends)
    }
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
