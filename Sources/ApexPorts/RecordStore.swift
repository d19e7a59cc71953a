public import ApexCore

/// Natural keys and the ids the engine gave them (DESIGN.md, "Identity and time").
///
/// The engine mints every id (UUIDv7) before any store writes; the directory
/// only tells which natural keys already have one.
public protocol EntityDirectory: Sendable {
    /// The entity with this natural key, if any record ever named it.
    func entity(_ ref: EntityRef) async throws -> EntityHandle?

    /// The entity with this id, if any.
    func entity(id: EntityID) async throws -> EntityHandle?

    /// The ids of those of `refs` that are registered; the others are absent from the answer.
    func entityIDs(for refs: Set<EntityRef>) async throws -> [EntityRef: EntityID]

    /// Up to `limit` entities with ids greater than `after` (from the first when nil), in id order: the whole directory page by page.
    func entities(after: EntityID?, limit: Int) async throws -> [EntityHandle]
}

/// Where the ontology, the entity id map and property history live (DESIGN.md, "Who owns which data").
///
/// The engine reads and writes through this protocol only; the embedded
/// SQLite adapter and the PostgreSQL adapter implement it. Reads take the
/// transaction time `knownAt` so that an adapter can filter in its index;
/// the core filters again, so over-fetching is harmless.
public protocol RecordStore: EntityDirectory {
    /// The stored ontology document as it was given, or nil before the first ingest.
    ///
    /// The engine parses it and caches the result for as long as the text is unchanged.
    func ontologySource() async throws -> String?

    /// Stores what the request holds, all or nothing, in one transaction.
    ///
    /// The request's source is created and drained inside the store's write
    /// transaction; if it throws, nothing of it is stored. The new entities of
    /// ``IngestRequest/identities`` are registered with the ids the engine
    /// minted; when one was registered meanwhile by another writer the store
    /// throws ``EntityRegistrationConflict`` and stores nothing. Facts and
    /// ends are written only when ``IngestRequest/includesFacts`` is true.
    func ingest(_ request: IngestRequest) async throws -> IngestSummary

    /// Stored versions of the entity's properties (of one property when given) recorded at or before `knownAt`.
    func propertyVersions(of entity: EntityID, property: String?, knownAt: Timestamp) async throws -> [PropertyVersion]

    /// Every property version of each of `entities` recorded by `knownAt`, in one read where the store can (a saga
    /// rewrites the graph nodes of every entity a file names from them).
    func propertyVersions(ofAny entities: [EntityID], knownAt: Timestamp) async throws -> [EntityID: [PropertyVersion]]

    /// Which entity types, properties and relation types stored data uses, to check a changed ontology against.
    func schemaUsage() async throws -> SchemaUsage
}

extension RecordStore {
    /// One read per entity, for stores without a batched one.
    public func propertyVersions(ofAny entities: [EntityID], knownAt: Timestamp) async throws -> [EntityID: [PropertyVersion]] {
        var found: [EntityID: [PropertyVersion]] = [:]
        for entity in Set(entities) { found[entity] = try await propertyVersions(of: entity, property: nil, knownAt: knownAt) }
        return found
    }
}
