public import ApexCore

/// A store that plays every role at once: records, facts, analytics, documents, snapshots and the saga log in one database.
///
/// SQLite and PostgreSQL are such stores: an ingest is one transaction and a
/// snapshot one read. The engine's ``ComposedStore`` is one too, built from a
/// record store and a graph store that live apart.
public protocol TemporalStore:
    RecordStore, GraphStore, AnalyticsStore, DocumentStore, SnapshotReader, SagaLog, IdempotencyStore, VersionDumpReader, RelationDumpReader,
    DocumentDumpReader, MoveStateStore
{}

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

