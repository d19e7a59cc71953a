public import ApexCore

/// Where entities, their property history and the ontology live (DESIGN.md, "Who owns which data").
///
/// The engine reads and writes through this protocol only; the embedded
/// SQLite adapter and the server adapters implement it. Reads take the
/// transaction time `knownAt` so that an adapter can filter in its index;
/// the core filters again, so over-fetching is harmless.
public protocol RecordStore: Sendable {
    /// The stored ontology, or nil before the first ingest.
    func ontology() async throws -> StoredOntology?

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

/// A store that keeps both records and facts in one database, so one transaction covers a whole file.
public typealias TemporalStore = RecordStore & GraphStore
