public import ApexCore

/// What the engine hands the stores to write: the records, the ids it minted for them, and what goes where.
///
/// The records come as a source the store can create more than once (the
/// engine checks every record in a first pass, before any store writes, and
/// a graph store apart from the record store drains it again).
public struct IngestRequest: Sendable {
    /// The ontology to store with the records, when it changes.
    public var ontology: StoredOntology?
    /// The ontology the records were checked against (the new one, or the stored one).
    public var ontologyInForce: Ontology
    /// Every entity the records name, with its id.
    public var identities: EntityIdentities
    /// When false the record store writes the ontology, entities and property versions only: facts and ends go to a graph store of their own.
    public var includesFacts: Bool
    /// The time of this ingest, for records without `recorded_at`.
    public var ingestionTime: Timestamp
    /// Makes the stream of checked records; each call starts from the first record.
    public var makeSource: @Sendable () throws -> any RecordSource
    /// The saga this write belongs to, if any: a graph store tags what it creates with it, so that it can be undone
    /// (``GraphWriter/compensate(saga:touching:entities:ontology:now:)``).
    public var saga: EntityID?
    /// The saga step the record store notes in the transaction that stores the records (see ``SagaCommit``).
    public var sagaCommit: SagaCommit?

    public init(
        ontology: StoredOntology?, ontologyInForce: Ontology, identities: EntityIdentities, includesFacts: Bool = true,
        ingestionTime: Timestamp, saga: EntityID? = nil, makeSource: @escaping @Sendable () throws -> any RecordSource
    ) {
        self.saga = saga
        self.ontology = ontology
        self.ontologyInForce = ontologyInForce
        self.identities = identities
        self.includesFacts = includesFacts
        self.ingestionTime = ingestionTime
        self.makeSource = makeSource
    }
}

/// The ids of every entity an ingest names: those the directory knew and those the engine minted for it.
public struct EntityIdentities: Sendable {
    /// The id of every named entity.
    public private(set) var ids: [EntityRef: EntityID]
    /// The entities no store knew before: the record store registers them with these ids.
    public private(set) var new: [EntityHandle]

    public init(known: [EntityRef: EntityID], new: [EntityHandle]) {
        var ids = known
        for handle in new { ids[handle.ref] = handle.id }
        self.ids = ids
        self.new = new
    }

    /// The id of a named entity; a ref the engine did not resolve is a defect, reported as an error rather than a crash.
    public func id(of ref: EntityRef) throws(EntityRegistrationConflict) -> EntityID {
        guard let id = ids[ref] else { throw EntityRegistrationConflict(ref: ref, reason: .unresolved) }
        return id
    }

    /// Every named entity as a handle.
    public var handles: [EntityHandle] { ids.map { EntityHandle(id: $0.value, ref: $0.key) } }
}

/// A new entity's natural key was registered by another writer between the engine's lookup and the store's write.
///
/// The store stores nothing; the engine looks the keys up again and retries.
public struct EntityRegistrationConflict: Error, CustomStringConvertible {
    public enum Reason: Sendable { case registeredMeanwhile, unresolved }
    public var ref: EntityRef
    public var reason: Reason

    public init(ref: EntityRef, reason: Reason) {
        self.ref = ref
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .registeredMeanwhile: "entity \(ref.type)/\(ref.key) was registered by another writer during this ingest"
        case .unresolved: "entity \(ref.type)/\(ref.key) has no id in this ingest"
        }
    }
}
