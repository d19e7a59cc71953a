public import ApexCore
public import ApexPorts

/// A memory whose facts live in a graph store apart from its records (SQLite or PostgreSQL with FalkorDB).
///
/// It plays every role of a ``TemporalStore`` by handing each to the store
/// that owns it (DESIGN.md, "Who owns which data"): the ontology, the entity
/// directory, property history, documents and analytics to the record store;
/// facts, ends, churn and traversal to the graph store. An ingest is a saga
/// (``ingestAsSaga(_:)``): the graph first, tagged with the saga, then the
/// record store's transaction, which is the point of no return; the graph's
/// writes are idempotent upserts keyed by the engine-minted ids.
public struct ComposedStore: TemporalStore {
    /// The store of records, documents and analytics; its own fact tables stay empty.
    public let records: any TemporalStore
    /// The store of facts and ends.
    public let graph: any GraphWriter

    public init(records: any TemporalStore, graph: any GraphWriter) {
        self.records = records
        self.graph = graph
    }

    // MARK: Writes

    public func ingest(_ request: IngestRequest) async throws -> IngestSummary {
        guard !request.identities.ids.isEmpty else {
            var local = request
            local.includesFacts = false
            return try await records.ingest(local)
        }
        return try await ingestAsSaga(request)
    }

    /// Undoes the graph writes of a saga that named `named` and did not commit (see ``GraphWriter/compensate(saga:touching:entities:ontology:now:)``):
    /// the nodes of the entities the record store knows are written again from it.
    public func compensate(saga: EntityID, named: [EntityHandle], ontology: Ontology, now: Timestamp) async throws {
        let known = try await records.entityIDs(for: Set(named.map(\.ref)))
        let kept = named.filter { known[$0.ref] == $0.id }
        let entities = try await graphEntities(kept, ontology: ontology, at: now)
        try await graph.compensate(saga: saga, touching: Set(named.map(\.id)), entities: entities, ontology: ontology, now: now)
    }

    /// The entities with their property values valid at `at`, as known now.
    func graphEntities(_ handles: [EntityHandle], ontology: Ontology, at now: Timestamp) async throws -> [GraphEntity] {
        var entities: [GraphEntity] = []
        entities.reserveCapacity(handles.count)
        let sorted = handles.sorted(by: { $0.id < $1.id })
        var versionsByEntity: [EntityID: [PropertyVersion]] = [:]
        for start in stride(from: 0, to: sorted.count, by: 2_000) {
            let chunk = sorted[start..<min(start + 2_000, sorted.count)].map(\.id)
            versionsByEntity.merge(try await records.propertyVersions(ofAny: chunk, knownAt: .distantFuture)) { first, _ in first }
        }
        for handle in sorted {
            let versions = versionsByEntity[handle.id] ?? []
            let values = PropertyResolver.values(versions, at: now, knownAt: .distantFuture)
            let order = ontology.entityType(handle.ref.type)?.properties.map(\.name) ?? []
            let names = order.filter { values[$0] != nil } + values.keys.filter { !order.contains($0) }.sorted()
            let properties = names.compactMap { name -> (name: String, value: JSONValue)? in
                guard let text = values[name], let value = try? JSONParser.parse(text) else { return nil }
                return (name, value)
            }
            entities.append(GraphEntity(handle: handle, properties: properties))
        }
        return entities
    }

    // MARK: Records

    public func ontologySource() async throws -> String? { try await records.ontologySource() }
    public func entity(_ ref: EntityRef) async throws -> EntityHandle? { try await records.entity(ref) }
    public func entity(id: EntityID) async throws -> EntityHandle? { try await records.entity(id: id) }
    public func entityIDs(for refs: Set<EntityRef>) async throws -> [EntityRef: EntityID] { try await records.entityIDs(for: refs) }
    public func entities(after: EntityID?, limit: Int) async throws -> [EntityHandle] { try await records.entities(after: after, limit: limit) }

    public func propertyVersions(of entity: EntityID, property: String?, knownAt: Timestamp) async throws -> [PropertyVersion] {
        try await records.propertyVersions(of: entity, property: property, knownAt: knownAt)
    }

    public func propertyVersions(ofAny entities: [EntityID], knownAt: Timestamp) async throws -> [EntityID: [PropertyVersion]] {
        try await records.propertyVersions(ofAny: entities, knownAt: knownAt)
    }

    public func schemaUsage() async throws -> SchemaUsage {
        var usage = try await records.schemaUsage()
        usage.relationTypes = try await graph.relationTypesInUse()
        return usage
    }

    /// The facts live in the graph store: one entity's level read (on FalkorDB, its adjacency summary) costs less than
    /// its facts with their text, which a traversal does not show.
    public var startsTraversalsWithLevelReads: Bool { true }

    public func snapshot(of ref: EntityRef, property: String?, includeFacts: Bool, knownAt: Timestamp) async throws -> EntitySnapshot {
        let recorded = try await records.snapshot(of: ref, property: property, includeFacts: false, knownAt: knownAt)
        guard includeFacts, let handle = recorded.entity else { return recorded }
        // The sagas hidden as of the records' own read: a write is seen in both stores or in neither.
        let graph = try await visibleGraph(as: recorded.sagaVisibility)
        let (facts, ends) = try await graph.factsAndEnds(touching: handle.id, knownAt: knownAt)
        // The record store's watermark covers the facts too (it rises with every record an ingest names).
        return EntitySnapshot(
            ontologySource: recorded.ontologySource, entity: handle, versions: recorded.versions, facts: facts, ends: ends,
            seesEveryRow: recorded.seesEveryRow)
    }

    // MARK: Graph

    /// The graph as readers see it: without the facts and ends of sagas that have not passed the record store's
    /// transaction (as of `visibility`, or of a read of the log now).
    func visibleGraph(as visibility: SagaVisibility? = nil) async throws -> any GraphWriter {
        if let visibility = visibility ?? Self.readingAs { return graph.reading(as: visibility) }
        return graph.reading(as: try await records.sagaVisibility())
    }

    /// The saga visibility a task's graph reads use instead of reading the log again: a traversal sets the one its start's
    /// snapshot read (the record store returns it with the snapshot), so that every level sees the sagas as of that read.
    @TaskLocal static var readingAs: SagaVisibility?

    public func facts(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactVersion] {
        try await visibleGraph().facts(touching: entity, knownAt: knownAt)
    }

    public func ends(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactEnd] {
        try await visibleGraph().ends(touching: entity, knownAt: knownAt)
    }

    public func factsAndEnds(touching entity: EntityID, knownAt: Timestamp) async throws -> (facts: [FactVersion], ends: [FactEnd]) {
        try await visibleGraph().factsAndEnds(touching: entity, knownAt: knownAt)
    }

    public func facts(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactVersion] {
        try await visibleGraph().facts(touchingAny: entities, knownAt: knownAt)
    }

    public func ends(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactEnd] {
        try await visibleGraph().ends(touchingAny: entities, knownAt: knownAt)
    }

    public func relations(touchingAny entities: [EntityID], knownAt: Timestamp, validBy: Timestamp?, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations
    {
        try await visibleGraph().relations(touchingAny: entities, knownAt: knownAt, validBy: validBy, laterOf: laterOf)
    }

    public func earliestFact(relation: String, side: FactSide, entity: EntityID, after: Timestamp, knownAt: Timestamp) async throws -> Timestamp? {
        try await visibleGraph().earliestFact(relation: relation, side: side, entity: entity, after: after, knownAt: knownAt)
    }

    public func earliestFacts(_ probes: [LaterFactProbe], knownAt: Timestamp) async throws -> [Timestamp?] {
        try await visibleGraph().earliestFacts(probes, knownAt: knownAt)
    }

    public func relationChurn(from: Timestamp, to: Timestamp) async throws -> [RelationChurn] {
        try await graph.relationChurn(from: from, to: to)
    }

    public func relationTypesInUse() async throws -> Set<String> { try await graph.relationTypesInUse() }

    // MARK: Analytics

    public func entities(containing text: String, limit: Int) async throws -> [EntityHandle] {
        try await records.entities(containing: text, limit: limit)
    }

    public func entities(named name: String) async throws -> [EntityHandle] { try await records.entities(named: name) }

    public func mostChanged(from: Timestamp, to: Timestamp, limit: Int) async throws -> [ChangeCount] {
        try await records.mostChanged(from: from, to: to, limit: limit)
    }

    public func health() async -> StoreHealth { await records.health() }

    // MARK: Saga log (the record store's)

    public func beginSaga(_ saga: SagaEntry) async throws { try await records.beginSaga(saga) }
    public func sagasInFlight() async throws -> [SagaEntry] { try await records.sagasInFlight() }
    public func saga(_ id: EntityID) async throws -> SagaEntry? { try await records.saga(id) }

    public func sagaVisibility() async throws -> SagaVisibility { try await records.sagaVisibility() }

    // MARK: Idempotency keys (the record store's)

    public func claimIdempotencyKey(_ key: String, fingerprint: String, now: Timestamp, staleBefore: Timestamp, expiredBefore: Timestamp)
        async throws -> IdempotencyClaim
    {
        try await records.claimIdempotencyKey(key, fingerprint: fingerprint, now: now, staleBefore: staleBefore, expiredBefore: expiredBefore)
    }

    public func completeIdempotencyKey(_ key: String, fingerprint: String, answer: StoredAnswer, now: Timestamp) async throws {
        try await records.completeIdempotencyKey(key, fingerprint: fingerprint, answer: answer, now: now)
    }

    public func releaseIdempotencyKey(_ key: String, fingerprint: String) async throws {
        try await records.releaseIdempotencyKey(key, fingerprint: fingerprint)
    }

    public func claimSaga(_ id: EntityID, owner: SagaOwner, leaseUntil: Timestamp, now: Timestamp, goneOwner: SagaOwner?) async throws -> Bool {
        try await records.claimSaga(id, owner: owner, leaseUntil: leaseUntil, now: now, goneOwner: goneOwner)
    }

    public func advanceSaga(_ id: EntityID, owner: SagaOwner, state: SagaState, stepsDone: [String], leaseUntil: Timestamp, at: Timestamp)
        async throws -> Bool
    {
        try await records.advanceSaga(id, owner: owner, state: state, stepsDone: stepsDone, leaseUntil: leaseUntil, at: at)
    }

    public func healthOfEachStore() async -> [StoreHealth] {
        async let records = records.healthOfEachStore()
        async let graph = graph.health()
        return await records + [graph]
    }

    // MARK: Documents

    public func embedder() async throws -> EmbedderIdentity? { try await records.embedder() }

    public func saveDocument(_ document: DocumentRecord, chunks: [ChunkRecord], mentions: [EntityID], embedder: EmbedderIdentity) async throws
        -> (inserted: [Int64], removed: [Int64], generation: Int64)
    {
        try await records.saveDocument(document, chunks: chunks, mentions: mentions, embedder: embedder)
    }

    public func document(_ id: EntityID) async throws -> DocumentRecord? { try await records.document(id) }
    public func deleteDocument(_ id: EntityID) async throws -> (removed: [Int64], generation: Int64)? { try await records.deleteDocument(id) }
    public func vectorGeneration() async throws -> Int64 { try await records.vectorGeneration() }

    public func textSearch(_ query: String, limit: Int, filters: [String: String]) async throws -> [ChunkHit] {
        try await records.textSearch(query, limit: limit, filters: filters)
    }

    public func chunks(_ rowIDs: [Int64]) async throws -> [ChunkHit] { try await records.chunks(rowIDs) }
    public func chunkVectors(_ rowIDs: [Int64]) async throws -> [Int64: [Float]] { try await records.chunkVectors(rowIDs) }

    public func allChunkVectors() async throws -> [(rowID: Int64, vector: [Float], metadata: [String: String])] {
        try await records.allChunkVectors()
    }

    public func entitiesMentioned(in text: String) async throws -> [EntityID] { try await records.entitiesMentioned(in: text) }
    public func documents(mentioning entity: EntityID) async throws -> [DocumentSummary] { try await records.documents(mentioning: entity) }
    public func entities(mentionedBy documents: [EntityID]) async throws -> [EntityHandle] { try await records.entities(mentionedBy: documents) }
}
