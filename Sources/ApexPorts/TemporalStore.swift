public import ApexCore

/// A store that plays every role at once: records, facts, analytics, documents, snapshots and the saga log in one database.
///
/// SQLite and PostgreSQL are such stores: an ingest is one transaction and a
/// snapshot one read. The engine's ``ComposedStore`` is one too, built from a
/// record store and a graph store that live apart.
public protocol TemporalStore:
    RecordStore, GraphStore, AnalyticsStore, DocumentStore, SnapshotReader, SagaLog, IdempotencyStore, VersionDumpReader, RelationDumpReader,
    DocumentDumpReader, MoveStateStore
{
    /// The second level of a traversal from `ref`, read without waiting for the first to be resolved: what
    /// ``GraphStore/relations(touchingAny:knownAt:validBy:laterOf:)`` answers for every entity at the other end of a fact
    /// of `ref` valid by `validBy` and recorded by `knownAt` (a superset of the first level's frontier); nil when no
    /// entity has that type and key, or when the store does not read ahead.
    ///
    /// The engine reads it beside the start's snapshot and keeps what touches the frontier the snapshot resolves: every
    /// version and end of a pair comes with either of its entities, so what it keeps is what a read of the frontier answers.
    func relations(twoStepsFrom ref: EntityRef, knownAt: Timestamp, validBy: Timestamp, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations?

    /// Whether a traversal should read its start's facts as a level (``GraphStore/relations(touchingAny:knownAt:validBy:laterOf:)``)
    /// after a snapshot without facts (which gives the entity's id and the saga visibility), rather than in the snapshot:
    /// where the facts live apart and a level read of one entity costs less than reading all its facts with their text.
    var startsTraversalsWithLevelReads: Bool { get }
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

extension TemporalStore {
    /// A store that holds everything reads a traversal's start in its snapshot, in one read.
    public var startsTraversalsWithLevelReads: Bool { false }

    /// None: the engine reads the second level from the resolved frontier. Reading ahead pays where a round trip to a
    /// server can overlap the snapshot's (PostgreSQL); measured on the embedded store and on FalkorDB, it cost more than it saved.
    public func relations(twoStepsFrom ref: EntityRef, knownAt: Timestamp, validBy: Timestamp, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations?
    {
        nil
    }
}
