public import ApexCore
public import ApexPorts

/// The reads a move sends to the side that is the truth, and the stores' own bookkeeping, which stays with the source.
extension MovingStore {
    // MARK: Entity directory and records

    public func ontologySource() async throws -> String? { try await truth().ontologySource() }
    public func entity(_ ref: EntityRef) async throws -> EntityHandle? { try await truth().entity(ref) }
    public func entity(id: EntityID) async throws -> EntityHandle? { try await truth().entity(id: id) }
    public func entityIDs(for refs: Set<EntityRef>) async throws -> [EntityRef: EntityID] { try await truth().entityIDs(for: refs) }
    public func entities(after: EntityID?, limit: Int) async throws -> [EntityHandle] { try await truth().entities(after: after, limit: limit) }
    public func schemaUsage() async throws -> SchemaUsage { try await truth().schemaUsage() }

    public func propertyVersions(of entity: EntityID, property: String?, knownAt: Timestamp) async throws -> [PropertyVersion] {
        try await truth().propertyVersions(of: entity, property: property, knownAt: knownAt)
    }

    public func propertyVersions(ofAny entities: [EntityID], knownAt: Timestamp) async throws -> [EntityID: [PropertyVersion]] {
        try await truth().propertyVersions(ofAny: entities, knownAt: knownAt)
    }

    // MARK: Graph

    public func facts(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactVersion] {
        try await truth().facts(touching: entity, knownAt: knownAt)
    }

    public func ends(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactEnd] { try await truth().ends(touching: entity, knownAt: knownAt) }

    public func facts(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactVersion] {
        try await truth().facts(touchingAny: entities, knownAt: knownAt)
    }

    public func ends(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactEnd] {
        try await truth().ends(touchingAny: entities, knownAt: knownAt)
    }

    public func relations(touchingAny entities: [EntityID], knownAt: Timestamp, validBy: Timestamp?, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations
    {
        try await truth().relations(touchingAny: entities, knownAt: knownAt, validBy: validBy, laterOf: laterOf)
    }

    public func relations(twoStepsFrom ref: EntityRef, knownAt: Timestamp, validBy: Timestamp, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations?
    {
        try await truth().relations(twoStepsFrom: ref, knownAt: knownAt, validBy: validBy, laterOf: laterOf)
    }

    public func earliestFact(relation: String, side: FactSide, entity: EntityID, after: Timestamp, knownAt: Timestamp) async throws -> Timestamp? {
        try await truth().earliestFact(relation: relation, side: side, entity: entity, after: after, knownAt: knownAt)
    }

    public func earliestFacts(_ probes: [LaterFactProbe], knownAt: Timestamp) async throws -> [Timestamp?] {
        try await truth().earliestFacts(probes, knownAt: knownAt)
    }

    public func relationChurn(from: Timestamp, to: Timestamp) async throws -> [RelationChurn] { try await truth().relationChurn(from: from, to: to) }
    public func relationTypesInUse() async throws -> Set<String> { try await truth().relationTypesInUse() }

    // MARK: Analytics and health

    public func entities(containing text: String, limit: Int) async throws -> [EntityHandle] { try await truth().entities(containing: text, limit: limit) }
    public func entities(named name: String) async throws -> [EntityHandle] { try await truth().entities(named: name) }

    public func mostChanged(from: Timestamp, to: Timestamp, limit: Int) async throws -> [ChangeCount] {
        try await truth().mostChanged(from: from, to: to, limit: limit)
    }

    public func health() async -> StoreHealth {
        guard let plan = try? await route.plan() else { return await source.health() }
        return await plan.truth.health()
    }

    /// The truth's stores: a write needs only them (one the other side misses is counted by the move, not failed).
    public func healthOfEachStore() async -> [StoreHealth] {
        guard let plan = try? await route.plan() else { return await source.healthOfEachStore() }
        return await plan.truth.healthOfEachStore()
    }

    // MARK: Documents: the source's for the whole move

    public func embedder() async throws -> EmbedderIdentity? { try await source.embedder() }
    public func document(_ id: EntityID) async throws -> DocumentRecord? { try await source.document(id) }
    public func vectorGeneration() async throws -> Int64 { try await source.vectorGeneration() }

    public func textSearch(_ query: String, limit: Int, filters: [String: String]) async throws -> [ChunkHit] {
        try await source.textSearch(query, limit: limit, filters: filters)
    }

    public func chunks(_ rowIDs: [Int64]) async throws -> [ChunkHit] { try await source.chunks(rowIDs) }
    public func chunkVectors(_ rowIDs: [Int64]) async throws -> [Int64: [Float]] { try await source.chunkVectors(rowIDs) }
    public func allChunkVectors() async throws -> [(rowID: Int64, vector: [Float], metadata: [String: String])] { try await source.allChunkVectors() }
    public func entitiesMentioned(in text: String) async throws -> [EntityID] { try await source.entitiesMentioned(in: text) }
    public func documents(mentioning entity: EntityID) async throws -> [DocumentSummary] { try await source.documents(mentioning: entity) }
    public func entities(mentionedBy documents: [EntityID]) async throws -> [EntityHandle] { try await source.entities(mentionedBy: documents) }

    // MARK: Sagas, idempotency keys and the move's state: the source's

    public func beginSaga(_ saga: SagaEntry) async throws { try await source.beginSaga(saga) }
    public func sagasInFlight() async throws -> [SagaEntry] { try await source.sagasInFlight() }
    public func saga(_ id: EntityID) async throws -> SagaEntry? { try await source.saga(id) }

    public func claimSaga(_ id: EntityID, owner: SagaOwner, leaseUntil: Timestamp, now: Timestamp, goneOwner: SagaOwner?) async throws -> Bool {
        try await source.claimSaga(id, owner: owner, leaseUntil: leaseUntil, now: now, goneOwner: goneOwner)
    }

    public func sagaVisibility() async throws -> SagaVisibility { try await source.sagaVisibility() }

    public func advanceSaga(_ id: EntityID, owner: SagaOwner, state: SagaState, stepsDone: [String], leaseUntil: Timestamp, at: Timestamp) async throws
        -> Bool
    {
        try await source.advanceSaga(id, owner: owner, state: state, stepsDone: stepsDone, leaseUntil: leaseUntil, at: at)
    }

    public func claimIdempotencyKey(_ key: String, fingerprint: String, now: Timestamp, staleBefore: Timestamp, expiredBefore: Timestamp) async throws
        -> IdempotencyClaim
    {
        try await source.claimIdempotencyKey(key, fingerprint: fingerprint, now: now, staleBefore: staleBefore, expiredBefore: expiredBefore)
    }

    public func completeIdempotencyKey(_ key: String, fingerprint: String, answer: StoredAnswer, now: Timestamp) async throws {
        try await source.completeIdempotencyKey(key, fingerprint: fingerprint, answer: answer, now: now)
    }

    public func releaseIdempotencyKey(_ key: String, fingerprint: String) async throws {
        try await source.releaseIdempotencyKey(key, fingerprint: fingerprint)
    }

    public func moveState() async throws -> StoredMoveState? { try await source.moveState() }

    public func saveMoveState(_ state: String, expected: Int64, at: Timestamp) async throws -> Bool {
        try await source.saveMoveState(state, expected: expected, at: at)
    }

    // MARK: Dumps: the truth's

    public func dumpedVersions(of entities: [EntityID]) async throws -> [DumpedVersion] { try await truth().dumpedVersions(of: entities) }
    public func dumpedRelations(from entities: [EntityID]) async throws -> DumpedRelations { try await truth().dumpedRelations(from: entities) }

    public func dumpedDocuments(after: EntityID?, limit: Int, vectors: Bool) async throws -> [DumpedDocument] {
        try await source.dumpedDocuments(after: after, limit: limit, vectors: vectors)
    }
}
