public import ApexCore
public import ApexPorts
import Foundation
import Synchronization

/// The engine: ingest and temporal queries over whichever stores are configured.
///
/// It depends only on the store protocols. Every query settles its two times
/// first (`at` and `knownAt`, both defaulting to now), fetches what the rules
/// need, and lets the pure resolvers of ApexCore decide.
public struct MemoryService: Sendable {
    public let store: any TemporalStore
    /// The cache of answers shared with other processes, or nil to read the stores every time.
    public let cache: MemoryCache?
    private let clock: @Sendable () -> Timestamp
    let ontologyCache = OntologyCache()
    /// Mints every entity id before any store writes (DESIGN.md, "Identity and time").
    let ids = UUIDv7Generator()

    /// - Parameters:
    ///   - store: the record and graph store.
    ///   - cache: the cache of answers, if any (docs/cache.md).
    ///   - clock: the current time; tests pin it.
    public init(store: any TemporalStore, cache: MemoryCache? = nil, clock: @escaping @Sendable () -> Timestamp = MemoryService.systemClock) {
        self.store = store
        self.cache = cache
        self.clock = clock
    }

    /// The wall clock, in microseconds.
    public static let systemClock: @Sendable () -> Timestamp = {
        Timestamp.wallClock
    }

    /// The current time by this service's clock.
    public var now: Timestamp { clock() }

    // MARK: Ontology

    /// The ontology to ingest with: `source` when given (checked against stored data), else the stored one.
    ///
    /// - Returns: the ontology to decode with, and the document to store (nil when nothing changes).
    public func resolveOntology(source: String?) async throws -> (Ontology, StoredOntology?) {
        let stored = try await storedOntology()
        guard let source else {
            guard let stored else { throw IngestError.noOntology }
            return (stored.ontology, nil)
        }
        let ontology: Ontology
        do {
            ontology = try OntologyLoader.load(source)
        } catch {
            throw IngestError.badOntology(error)
        }
        guard let stored else { return (ontology, StoredOntology(source: source, ontology: ontology)) }
        if stored.ontology == ontology { return (ontology, stored.source == source ? nil : StoredOntology(source: source, ontology: ontology)) }
        if let problem = OntologyCompatibility.problem(replacing: stored.ontology, with: ontology, usage: try await store.schemaUsage()) {
            throw IngestError.incompatibleOntology(reason: problem)
        }
        return (ontology, StoredOntology(source: source, ontology: ontology))
    }

    // MARK: Ingest

    /// Ingests a JSON Lines file (`-` for standard input), all or nothing.
    public func ingest(file path: String, ontologySource: String?, progress: (@Sendable (IngestProgress) -> Void)? = nil) async throws
        -> IngestSummary
    {
        let (ontology, toStore) = try await resolveOntology(source: ontologySource)
        // Standard input is read once, into memory: the records are read twice (checked, then written).
        let input: [UInt8]? = path == "-" ? try ByteLineReader.standardInputBytes() : nil
        let ingestionTime = clock()
        return try await write(ontology: ontology, toStore: toStore, ingestionTime: ingestionTime) { reporting in
            let reader = try input.map { ByteLineReader(bytes: $0) } ?? ByteLineReader(path: path)
            return JSONLinesSource(reader: reader, ontology: ontology, ingestionTime: ingestionTime, progress: reporting ? progress : nil)
        }
    }

    /// Ingests records already decoded (tests, JSON arrays), all or nothing.
    public func ingest(records: [Record], ontologySource: String? = nil) async throws -> IngestSummary {
        let (ontology, toStore) = try await resolveOntology(source: ontologySource)
        let ingestionTime = clock()
        let items = records.map {
            IngestRecord(record: $0, recordedAt: $0.recordedAt ?? ingestionTime, recordedAtIsImplicit: $0.recordedAt == nil)
        }
        return try await write(ontology: ontology, toStore: toStore, ingestionTime: ingestionTime) { _ in RecordListSource(items) }
    }

    // MARK: Queries

    /// The entity's properties and relations at (`at`, `knownAt`) (spec sections 3 and 4).
    public func state(of ref: EntityRef, at: Timestamp? = nil, knownAt: Timestamp? = nil) async throws -> StateAnswer {
        try await lastingState(of: ref, at: at, knownAt: knownAt).answer
    }

    /// `state`, and whether the answer lasts: whether it holds, for the same `at` and any later `known_at` when none
    /// was given, for as long as the stores do not change (its read saw every stored row, or `known_at` was given).
    public func lastingState(of ref: EntityRef, at: Timestamp?, knownAt: Timestamp?) async throws -> (answer: StateAnswer, lasts: Bool) {
        let now = clock()
        let explicit = knownAt != nil
        let knownAt = knownAt ?? now
        let at = at ?? now
        let (ontology, handle, snapshot) = try await fetch(ref, property: nil, includeFacts: true, knownAt: knownAt, explicitKnownAt: explicit)
        guard let first = RelationResolver.firstValidAt(versions: snapshot.versions, facts: snapshot.facts, knownAt: knownAt) else {
            throw QueryError.unknownEntity(ref, knownAt: knownAt)
        }
        guard first <= at else { throw QueryError.notYetExisting(ref, at: at, firstValidAt: first) }
        let values = PropertyResolver.values(snapshot.versions, at: at, knownAt: knownAt)
        let order = ontology.entityType(ref.type)?.properties.map(\.name) ?? []
        var properties = order.compactMap { name in values[name].map { (name, $0) } }
        properties += values.filter { !order.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let candidates = snapshot.relationInstances(knownAt: knownAt).filter { $0.isOpen(at: at) }
        let local = LocalLaterFacts(facts: snapshot.facts, complete: [handle.id], knownAt: knownAt)
        var relations = try await settlingSupersession(candidates, ontology: ontology, knownAt: knownAt, local: local).filter { $0.isValid(at: at) }
        relations.sort(by: RelationResolver.order)
        let answer = StateAnswer(entity: handle, at: at, knownAt: knownAt, properties: properties, relations: relations)
        return (answer, explicit || snapshot.seesEveryRow)
    }

    /// The version of everything the stores hold, when one store holds it all and tells it without a round trip
    /// (``ContentVersionSource``); nil otherwise, or with a cache configured (whose hit counts and read counts must see
    /// every read), or when the store could not tell.
    public func contentVersion() -> Int64? {
        guard cache == nil, let source = store as? any ContentVersionSource else { return nil }
        return (try? source.contentVersion()) ?? nil
    }

    /// The ontology in force and the entity, which must exist at (`at`, `knownAt`) as `state` requires.
    func existingEntity(_ ref: EntityRef, at: Timestamp, knownAt: Timestamp, explicitKnownAt: Bool) async throws
        -> (Ontology, EntityHandle, EntitySnapshot)
    {
        let (ontology, handle, snapshot) = try await fetch(ref, property: nil, includeFacts: true, knownAt: knownAt, explicitKnownAt: explicitKnownAt)
        guard let first = RelationResolver.firstValidAt(versions: snapshot.versions, facts: snapshot.facts, knownAt: knownAt) else {
            throw QueryError.unknownEntity(ref, knownAt: knownAt)
        }
        guard first <= at else { throw QueryError.notYetExisting(ref, at: at, firstValidAt: first) }
        return (ontology, handle, snapshot)
    }

    /// The state of the entity with this id.
    public func state(of id: EntityID, at: Timestamp? = nil, knownAt: Timestamp? = nil) async throws -> StateAnswer {
        guard let handle = try await entity(id: id) else { throw QueryError.unknownEntityID(id.description) }
        return try await state(of: handle.ref, at: at, knownAt: knownAt)
    }

    /// The timeline of one property (spec section 3, "Timeline").
    public func timeline(of ref: EntityRef, property: String, from: Timestamp? = nil, to: Timestamp? = nil, knownAt: Timestamp? = nil)
        async throws -> TimelineAnswer
    {
        let explicit = knownAt != nil
        let knownAt = knownAt ?? clock()
        let (_, handle, snapshot) = try await fetch(ref, property: property, includeFacts: false, knownAt: knownAt, explicitKnownAt: explicit)
        if snapshot.versions.isEmpty {
            // No version of this property: the entity must still be visible through another record.
            let whole = try await self.snapshot(of: ref, property: nil, includeFacts: true, knownAt: knownAt, explicitKnownAt: explicit)
            if RelationResolver.firstValidAt(versions: whole.versions, facts: whole.facts, knownAt: knownAt) == nil {
                throw QueryError.unknownEntity(ref, knownAt: knownAt)
            }
        }
        let events = PropertyResolver.timeline(snapshot.versions, property: property, knownAt: knownAt, from: from, to: to)
        return TimelineAnswer(entity: handle, property: property, knownAt: knownAt, events: events)
    }

    /// Every property event and relation interval of the entity, as known at `knownAt`.
    public func history(of ref: EntityRef, knownAt: Timestamp? = nil) async throws -> HistoryAnswer {
        let explicit = knownAt != nil
        let knownAt = knownAt ?? clock()
        let (ontology, handle, snapshot) = try await fetch(ref, property: nil, includeFacts: true, knownAt: knownAt, explicitKnownAt: explicit)
        guard RelationResolver.firstValidAt(versions: snapshot.versions, facts: snapshot.facts, knownAt: knownAt) != nil else {
            throw QueryError.unknownEntity(ref, knownAt: knownAt)
        }
        let declared = ontology.entityType(ref.type)?.properties.map(\.name) ?? []
        let present = Set(snapshot.versions.map(\.property))
        let names = declared.filter(present.contains) + present.subtracting(declared).sorted()
        let properties = names.map { ($0, PropertyResolver.timeline(snapshot.versions, property: $0, knownAt: knownAt)) }
        let local = LocalLaterFacts(facts: snapshot.facts, complete: [handle.id], knownAt: knownAt)
        var relations = try await settlingSupersession(snapshot.relationInstances(knownAt: knownAt), ontology: ontology, knownAt: knownAt, local: local)
        relations.sort(by: RelationResolver.order)
        let documents = try await store.documents(mentioning: handle.id).map { ($0.id, $0.title) }
        return HistoryAnswer(entity: handle, knownAt: knownAt, properties: properties, relations: relations, documents: documents)
    }

    /// The history of the entity with this id.
    public func history(of id: EntityID, knownAt: Timestamp? = nil) async throws -> HistoryAnswer {
        guard let handle = try await entity(id: id) else { throw QueryError.unknownEntityID(id.description) }
        return try await history(of: handle.ref, knownAt: knownAt)
    }

    // MARK: Helpers

    /// One read for the query: the ontology in force, the entity, and what is stored about it.
    func fetch(_ ref: EntityRef, property: String?, includeFacts: Bool, knownAt: Timestamp, explicitKnownAt: Bool) async throws
        -> (Ontology, EntityHandle, EntitySnapshot)
    {
        let snapshot = try await self.snapshot(of: ref, property: property, includeFacts: includeFacts, knownAt: knownAt, explicitKnownAt: explicitKnownAt)
        guard let source = snapshot.ontologySource else { throw QueryError.noOntology }
        let ontology = try ontologyCache.parsed(source).ontology
        guard let type = ontology.entityType(ref.type) else { throw QueryError.unknownEntityType(ref.type) }
        if let property, type.property(property) == nil { throw QueryError.unknownProperty(type: ref.type, property: property) }
        guard let handle = snapshot.entity else { throw QueryError.unknownEntity(ref, knownAt: knownAt) }
        return (ontology, handle, snapshot)
    }

    /// The stored ontology, parsed once per distinct text.
    public func storedOntology() async throws -> StoredOntology? {
        guard let source = try await store.ontologySource() else { return nil }
        return try ontologyCache.parsed(source)
    }
}

/// The last ontology text parsed, so that queries do not parse YAML each time.
final class OntologyCache: Sendable {
    private let last = Mutex<(stored: StoredOntology, hash: UInt64)?>(nil)

    /// The last ontology parsed and the hash cache entries name it by (``SnapshotCodec/hash(_:)``).
    var current: (stored: StoredOntology, hash: UInt64)? { last.withLock { $0 } }

    func parsed(_ source: String) throws -> StoredOntology {
        if let cached = last.withLock({ $0 }), cached.stored.source == source { return cached.stored }
        do {
            let stored = StoredOntology(source: source, ontology: try OntologyLoader.load(source))
            last.withLock { $0 = (stored, SnapshotCodec.hash(source)) }
            return stored
        } catch {
            throw IngestError.badOntology(error)
        }
    }
}
