public import ApexCore
public import ApexPorts

extension MemoryService {
    /// Entities a write may name before it invalidates the whole cache rather than each of them.
    static let largestScopedWrite = 2_000

    /// Partners an entry may depend on: a lookup checks each one's generation, so a hub entity with more is not cached.
    static let mostPartners = 256

    /// What is stored about one entity, from the cache when it holds a current entry (docs/cache.md).
    ///
    /// A question as known now reads the entity's "latest" entry, which holds
    /// for any `known_at` at or after the one it was read at, when the read saw
    /// every row of the store. A question with an explicit `known_at` reads the
    /// entry of that exact time. Either is filled on a miss with the entity's
    /// partners: the other ends of its relations whose cardinality lets a later
    /// fact supersede, whose writes change its answers too.
    func snapshot(of ref: EntityRef, property: String?, includeFacts: Bool, knownAt: Timestamp, explicitKnownAt: Bool) async throws
        -> EntitySnapshot
    {
        guard let cache else { return try await store.snapshot(of: ref, property: property, includeFacts: includeFacts, knownAt: knownAt) }
        await cache.noteRead(ref)
        let question = "snapshot|\(includeFacts ? "facts" : "versions")|\(property ?? "*")|\(explicitKnownAt ? String(knownAt.microseconds) : "latest")"
        let key = CacheKey(.temporalFacts, owner: ref, question: question)
        let known = ontologyCache.current
        let usable: @Sendable (SnapshotCodec.Header) -> Bool = { header in
            explicitKnownAt ? header.knownAt == knownAt : header.seesEveryRow && knownAt >= header.knownAt
        }
        return try await cache.value(
            key,
            decode: { bytes in
                guard let known, let (header, snapshot) = try? SnapshotCodec.decode(bytes, ontologySource: known.stored.source),
                    header.ontologyHash == known.hash, usable(header)
                else { return nil }
                return snapshot
            },
            accept: { snapshot in snapshot.seesEveryRow && !explicitKnownAt },
            compute: { [store, ontologyCache] in
                var snapshot = try await store.snapshot(of: ref, property: property, includeFacts: includeFacts, knownAt: knownAt)
                guard snapshot.entity != nil, explicitKnownAt || snapshot.seesEveryRow, let source = snapshot.ontologySource,
                    let ontology = try? ontologyCache.parsed(source).ontology
                else { return MemoryCache.Computed(value: snapshot, fill: nil) }
                // Kept with its later facts, so that an answer from the entry needs no store at all.
                snapshot.facts = try await Self.withLaterFacts(snapshot.facts, of: snapshot.entity?.id, store: store, ontology: ontology, knownAt: knownAt)
                let partners = Self.partners(of: ref, in: snapshot, ontology: ontology)
                guard partners.count <= Self.mostPartners else { return MemoryCache.Computed(value: snapshot, fill: nil) }
                let header = SnapshotCodec.Header(ontologyHash: SnapshotCodec.hash(source), knownAt: knownAt, seesEveryRow: snapshot.seesEveryRow)
                let fill = MemoryCache.Fill(key: key, bytes: SnapshotCodec.encode(snapshot, header: header), partners: partners)
                return MemoryCache.Computed(value: snapshot, fill: fill)
            })
    }

    /// The facts with their later facts filled in where a store left them out (graph stores apart): one batched question.
    ///
    /// Only relations a later fact may supersede need them; the answers hold
    /// while no write names the fact's partner, which is what the entry's
    /// partners guard.
    /// `entity` is the snapshot's own, whose every fact `facts` holds: questions about it need no store.
    static func withLaterFacts(_ facts: [FactVersion], of entity: EntityID?, store: any TemporalStore, ontology: Ontology, knownAt: Timestamp) async throws
        -> [FactVersion]
    {
        var questions = LaterFactQuestions()
        for (index, fact) in facts.enumerated() where fact.later == nil {
            guard let cardinality = ontology.supersedingCardinality(of: fact.relation) else { continue }
            questions.ask(index: index, relation: fact.relation, cardinality: cardinality, from: fact.from.id, to: fact.to.id, after: fact.validAt)
        }
        guard !questions.probes.isEmpty else { return facts }
        var enriched = facts
        let local = LocalLaterFacts(facts: facts, complete: entity.map { [$0] } ?? [], knownAt: knownAt)
        for answer in questions.answers(try await local.earliestFacts(questions.probes, knownAt: knownAt, store: store)) {
            enriched[answer.index].later = answer.later
        }
        return enriched
    }

    /// Reads the `limit` most read entities (by the cache's read counts) so that their entries are filled: done in the
    /// background at start, without delaying readiness.
    ///
    /// - Returns: how many entities were warmed (read and, where the cache took them, stored), and how many were asked.
    public func warmCache(limit: Int, concurrency: Int = 4) async -> (warmed: Int, asked: Int) {
        guard let cache, limit > 0, let hottest = try? await cache.store.hottest(limit: limit) else { return (0, 0) }
        // An entity that cannot be read now (gone, or not existing yet) is simply not warmed.
        let read = (try? await hottest.mapConcurrently(width: concurrency) { ref in (try? await self.state(of: ref)) != nil }) ?? []
        return (read.filter { $0 }.count, hottest.count)
    }

    /// The entity with this id, from the cache's `entity_metadata` class when it has it: an id names the same type and key forever.
    func entity(id: EntityID) async throws -> EntityHandle? {
        guard let cache else { return try await store.entity(id: id) }
        let key = CacheKey(.entityMetadata, owner: nil, question: "entity|\(id)")
        return try await cache.value(
            key,
            decode: { bytes in
                var input = ByteReader(bytes)
                guard let ref = try? EntityRef(type: input.string(), key: input.string()), input.isAtEnd else { return nil }
                return EntityHandle(id: id, ref: ref)
            },
            accept: { _ in true },
            compute: { [store] in
                guard let handle = try await store.entity(id: id) else { return MemoryCache.Computed(value: nil, fill: nil) }
                var out = ByteWriter()
                out.string(handle.ref.type)
                out.string(handle.ref.key)
                return MemoryCache.Computed(value: handle, fill: MemoryCache.Fill(key: key, bytes: out.bytes, partners: []))
            })
    }

    /// The other ends of the entity's relations that a later fact may supersede: a write naming one changes this entity's answers.
    static func partners(of ref: EntityRef, in snapshot: EntitySnapshot, ontology: Ontology) -> [EntityRef] {
        var partners = Set<EntityRef>()
        for fact in snapshot.facts {
            guard ontology.supersedingCardinality(of: fact.relation) != nil else { continue }
            partners.insert(fact.from.ref == ref ? fact.to.ref : fact.from.ref)
        }
        partners.remove(ref)
        return partners.sorted()
    }

    /// What a write touches as the cache sees it: every entity its records name, or everything for an ontology change or a very large write.
    static func cacheScope(named: Set<EntityRef>, changesOntology: Bool, supersedes: Bool) -> CacheWriteScope {
        let everything = changesOntology || named.count > largestScopedWrite
        return CacheWriteScope(entities: everything ? [] : named, everything: everything, supersedes: supersedes)
    }

    /// Finishes or undoes the multi-store writes no live process holds (``ComposedStore/recoverSagas(owner:)``); when it did
    /// any, every cache entry goes, since an entry filled between the crash and now may hold a half-written answer.
    public func recoverInterruptedWrites() async throws -> [(saga: EntityID, outcome: SagaState)] {
        var sides: [any TemporalStore] = [store]
        if let moving = store as? MovingStore {
            // During a move each side keeps its own saga log.
            let plan = try await moving.route.plan()
            sides = [plan.source] + (plan.target.map { [$0] } ?? [])
        }
        var recovered: [(saga: EntityID, outcome: SagaState)] = []
        for case let composed as ComposedStore in sides { recovered += try await composed.recoverSagas() }
        if !recovered.isEmpty { try await invalidateCache() }
        return recovered
    }

    /// Drops every cache entry (after a repair wrote a store behind the engine's back).
    public func invalidateCache() async throws {
        try await invalidating(CacheWriteScope(entities: [], everything: true, supersedes: true)) {}
    }

    /// Runs a store write between the cache's two invalidations (no cache: just the write).
    func invalidating<Result: Sendable>(_ scope: CacheWriteScope, _ write: () async throws -> Result) async throws -> Result {
        guard let cache else { return try await write() }
        return try await cache.invalidating(scope, write)
    }
}
