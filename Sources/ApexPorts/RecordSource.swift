public import ApexCore

/// A pull-based stream of checked records for ``RecordStore/ingest(ontology:_:)``.
///
/// Pulling (rather than handing the store an array) keeps memory flat for
/// files of any size: the store drains the source inside its transaction.
public protocol RecordSource: AnyObject {
    /// The next record, nil at the end; throws (a ``RecordError``) on the first bad line.
    func next() throws -> IngestRecord?
}

/// A checked record with its transaction time settled.
public struct IngestRecord: Sendable {
    public var record: Record
    /// The record's `recorded_at`, or the ingestion time when it had none.
    public var recordedAt: Timestamp
    /// True when `recordedAt` is the ingestion time: re-ingesting an unchanged value then adds no version.
    public var recordedAtIsImplicit: Bool

    public init(record: Record, recordedAt: Timestamp, recordedAtIsImplicit: Bool) {
        self.record = record
        self.recordedAt = recordedAt
        self.recordedAtIsImplicit = recordedAtIsImplicit
    }
}

/// What an ingest stored.
public struct IngestSummary: Sendable, Equatable {
    /// Records accepted (every record of the file).
    public var accepted: Int
    /// Entities named for the first time.
    public var newEntities: Int

    public init(accepted: Int, newEntities: Int) {
        self.accepted = accepted
        self.newEntities = newEntities
    }
}

/// An ontology as stored: its source text and what it parses to.
public struct StoredOntology: Sendable, Equatable {
    /// The YAML (or JSON) exactly as given.
    public var source: String
    public var ontology: Ontology

    public init(source: String, ontology: Ontology) {
        self.source = source
        self.ontology = ontology
    }
}

/// The entity types, properties and relation types that stored data uses.
public struct SchemaUsage: Sendable, Equatable {
    public var entityTypes: Set<String>
    /// Pairs of entity type and property name that have at least one version.
    public var properties: Set<PropertyUse>
    public var relationTypes: Set<String>

    public init(entityTypes: Set<String>, properties: Set<PropertyUse>, relationTypes: Set<String>) {
        self.entityTypes = entityTypes
        self.properties = properties
        self.relationTypes = relationTypes
    }
}

/// One property of one entity type that stored data uses.
public struct PropertyUse: Sendable, Hashable {
    public var entityType: String
    public var property: String

    public init(entityType: String, property: String) {
        self.entityType = entityType
        self.property = property
    }
}
