public import ApexCore
import ApexPorts

extension MemoryService {
    /// The deepest traversal the API allows: each level is one batched read of the graph store.
    public static let maximumDepth = 5

    /// The entities linked to `ref` at (`at`, `knownAt`) within `depth` hops (DESIGN.md, "Ports by role": traversal).
    ///
    /// Level by level: one batched read of the facts and ends touching the
    /// frontier, the instances the core resolves from them, and for each the
    /// supersession under its relation's cardinality (from the later facts
    /// the stores return with every fact version, or asked for when absent).
    ///
    /// - Parameters:
    ///   - relations: the relation types to follow; nil or empty for all. Each must be declared.
    ///   - direction: which way to follow relations when leaving an entity.
    public func neighbors(
        of ref: EntityRef, at: Timestamp? = nil, knownAt: Timestamp? = nil, depth: Int = 1, relations: [String]? = nil,
        direction: TraversalDirection = .both
    ) async throws -> NeighborsAnswer {
        guard (1...Self.maximumDepth).contains(depth) else { throw QueryError.badDepth(depth, maximum: Self.maximumDepth) }
        let now = self.now
        let explicit = knownAt != nil
        let knownAt = knownAt ?? now
        let at = at ?? now
        // Without a cache, the second level is read beside the start's snapshot, with the superseding relations of the
        // ontology last seen; it is used only if the snapshot's ontology has the same.
        let guessedLaterOf = depth >= 2 && cache == nil ? ontologyCache.current?.stored.ontology.supersedingCardinalities : nil
        async let ahead = secondLevel(from: ref, knownAt: knownAt, validBy: at, laterOf: guessedLaterOf)
        let (ontology, start, startInstances, startLaterFacts, visibility) = try await traversalStart(
            ref, at: at, knownAt: knownAt, explicitKnownAt: explicit)
        // The second level follows the first at once: waiting for the read ahead here costs nothing.
        let readAhead = guessedLaterOf == ontology.supersedingCardinalities ? try await ahead : nil
        return try await ComposedStore.$readingAs.withValue(visibility) {
            try await neighbors(
                from: start, ontology: ontology, startInstances: startInstances, startLaterFacts: startLaterFacts, readAhead: readAhead,
                at: at, knownAt: knownAt, explicitKnownAt: explicit, depth: depth, relations: relations, direction: direction)
        }
    }

    /// The traversal from its start's first level (``neighbors(of:at:knownAt:depth:relations:direction:)``), with the second
    /// level when it was read ahead.
    private func neighbors(
        from start: EntityHandle, ontology: Ontology, startInstances: [RelationInstance], startLaterFacts: LocalLaterFacts,
        readAhead: TouchingRelations?, at: Timestamp, knownAt: Timestamp, explicitKnownAt explicit: Bool, depth: Int,
        relations: [String]?, direction: TraversalDirection
    ) async throws -> NeighborsAnswer {
        let filter = relations.flatMap { $0.isEmpty ? nil : Set($0) }
        for relation in filter ?? [] where ontology.relationType(relation) == nil { throw QueryError.unknownRelationType(relation) }

        var reached: [EntityID: Neighbor] = [:]
        var frontier: [EntityHandle] = [start]
        for level in 1...depth where !frontier.isEmpty {
            let ids = frontier.map(\.id)
            let inFrontier = Dictionary(frontier.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let instances: [RelationInstance]
            var local = LocalLaterFacts()
            if level == 1 {
                // The start's own facts came with the read that checked it exists.
                instances = startInstances
                local = startLaterFacts
            } else if cache != nil {
                // With a cache, each entity of the frontier is one entry: no store read when they are all cached.
                let (facts, ends) = try await cachedRelations(of: frontier, knownAt: knownAt, explicitKnownAt: explicit)
                instances = RelationResolver.instances(facts: facts, ends: ends, knownAt: knownAt)
            } else if level == 2, let read = readAhead {
                // What the read ahead found around the frontier is what a read of the frontier answers (see `relations(twoStepsFrom:)`).
                let wanted = Set(ids)
                instances = RelationResolver.instances(
                    facts: read.facts.filter { wanted.contains($0.from.id) || wanted.contains($0.to.id) },
                    ends: read.ends.filter { wanted.contains($0.from) || wanted.contains($0.to) }, knownAt: knownAt)
            } else {
                // Only instances valid at `at` lead further: facts valid later need not be read.
                let read = try await store.relations(touchingAny: ids, knownAt: knownAt, validBy: at, laterOf: ontology.supersedingCardinalities)
                instances = RelationResolver.instances(facts: read.facts, ends: read.ends, knownAt: knownAt)
            }
            let candidates = instances.filter { $0.isOpen(at: at) && (filter?.contains($0.relation) ?? true) }
            var found = [EntityID: Neighbor](minimumCapacity: candidates.count)
            for instance in try await settlingSupersession(candidates, ontology: ontology, knownAt: knownAt, local: local) where instance.isValid(at: at) {
                for side in 0..<2 {
                    let (parent, other) = side == 0 ? (instance.from, instance.to) : (instance.to, instance.from)
                    guard let parent = inFrontier[parent.id], direction.allows(from: instance.from.id, to: instance.to.id, leaving: parent.id),
                        other.id != start.id, reached[other.id] == nil
                    else { continue }
                    // Several relations may reach it at this level: keep the first in answer order, whatever the read order.
                    if let kept = found[other.id], !Self.reachesFirst(instance, parent, over: kept) { continue }
                    found[other.id] = Neighbor(entity: other, depth: level, parent: parent, via: instance.withoutFactText)
                }
            }
            reached.reserveCapacity(reached.count + found.count)
            reached.merge(found) { kept, _ in kept }
            let next = found.values.map(\.entity)
            frontier = next
        }
        // Sorted by position, not by moving the (large) neighbours themselves.
        let unsorted = Array(reached.values)
        let neighbors = unsorted.indices.sorted {
            (unsorted[$0].depth, unsorted[$0].entity.ref.type, unsorted[$0].entity.ref.key)
                < (unsorted[$1].depth, unsorted[$1].entity.ref.type, unsorted[$1].entity.ref.key)
        }.map { unsorted[$0] }
        return NeighborsAnswer(
            entity: start, at: at, knownAt: knownAt, depth: depth, direction: direction, relations: filter.map { $0.sorted() }, neighbors: neighbors)
    }

    /// The ontology, the start of a traversal, the first level's instances (without their supersession settled) and the
    /// later facts known without asking the store; throws as ``existingEntity(_:at:knownAt:explicitKnownAt:)`` does.
    ///
    /// Where the store says so (``TemporalStore/startsTraversalsWithLevelReads``), the start's facts are a level read
    /// (valid by `at`) after a snapshot without facts; when that shows no record by `at`, the whole snapshot decides which error it is.
    ///
    /// The last value is the saga visibility the snapshot without facts was read with, for the graph reads that follow.
    func traversalStart(_ ref: EntityRef, at: Timestamp, knownAt: Timestamp, explicitKnownAt: Bool) async throws
        -> (Ontology, EntityHandle, [RelationInstance], LocalLaterFacts, SagaVisibility?)
    {
        if cache == nil, store.startsTraversalsWithLevelReads {
            let (ontology, handle, recorded) = try await fetch(ref, property: nil, includeFacts: false, knownAt: knownAt, explicitKnownAt: explicitKnownAt)
            let read = try await ComposedStore.$readingAs.withValue(recorded.sagaVisibility) {
                try await store.relations(touchingAny: [handle.id], knownAt: knownAt, validBy: at, laterOf: ontology.supersedingCardinalities)
            }
            if let first = RelationResolver.firstValidAt(versions: recorded.versions, facts: read.facts, knownAt: knownAt), first <= at {
                let instances = RelationResolver.instances(facts: read.facts, ends: read.ends, knownAt: knownAt)
                return (ontology, handle, instances, LocalLaterFacts(), recorded.sagaVisibility)
            }
        }
        let (ontology, handle, snapshot) = try await existingEntity(ref, at: at, knownAt: knownAt, explicitKnownAt: explicitKnownAt)
        let local = LocalLaterFacts(facts: snapshot.facts, complete: [handle.id], knownAt: knownAt)
        return (ontology, handle, snapshot.relationInstances(knownAt: knownAt), local, nil)
    }

    /// The second level of a traversal from `ref` (``TemporalStore/relations(twoStepsFrom:knownAt:validBy:laterOf:)``), or nil without `laterOf`.
    func secondLevel(from ref: EntityRef, knownAt: Timestamp, validBy: Timestamp, laterOf: [String: Cardinality]?) async throws -> TouchingRelations? {
        guard let laterOf else { return nil }
        return try await store.relations(twoStepsFrom: ref, knownAt: knownAt, validBy: validBy, laterOf: laterOf)
    }

    /// The facts and ends touching the entities, from their cached snapshots (read and filled where missing), a fact between
    /// two of them once: what `facts(touchingAny:)` and `ends(touchingAny:)` answer, with the later facts of each.
    func cachedRelations(of entities: [EntityHandle], knownAt: Timestamp, explicitKnownAt: Bool) async throws -> ([FactVersion], [FactEnd]) {
        let wanted = Set(entities.map(\.id))
        let snapshots = try await entities.mapConcurrently(width: Self.traversalReadsAtOnce) { entity in
            (entity.id, try await self.snapshot(of: entity.ref, property: nil, includeFacts: true, knownAt: knownAt, explicitKnownAt: explicitKnownAt))
        }
        var facts: [FactVersion] = []
        var ends: [FactEnd] = []
        for (id, snapshot) in snapshots {
            facts += snapshot.facts.filter { $0.from.id == id || !wanted.contains($0.from.id) }
            ends += snapshot.ends.filter { $0.from == id || !wanted.contains($0.from) }
        }
        return (facts, ends)
    }

    /// How many cached snapshots a traversal level reads at once.
    static let traversalReadsAtOnce = 8

    /// The instances with `supersededAt` set under their relations' cardinalities: from the later facts the store
    /// returned with them, or, for those without, from one batched question to the graph store.
    ///
    /// `local` answers the questions about entities whose every fact the caller already holds (a snapshot's own entity).
    func settlingSupersession(_ instances: [RelationInstance], ontology: Ontology, knownAt: Timestamp, local: LocalLaterFacts = LocalLaterFacts())
        async throws -> [RelationInstance]
    {
        var settled = instances
        var questions = LaterFactQuestions()
        for (index, instance) in instances.enumerated() {
            guard let cardinality = ontology.supersedingCardinality(of: instance.relation) else { continue }
            if let later = instance.later {
                settled[index].supersededAt = later.supersession(under: cardinality)
                continue
            }
            questions.ask(
                index: index, relation: instance.relation, cardinality: cardinality, from: instance.from.id, to: instance.to.id, after: instance.validAt)
        }
        guard !questions.probes.isEmpty else { return settled }
        for answer in questions.answers(try await local.earliestFacts(questions.probes, knownAt: knownAt, store: store)) {
            settled[answer.index].supersededAt = answer.later.supersession(under: answer.cardinality)
        }
        return settled
    }

    /// Whether `instance`, leaving `parent`, is the link to report rather than `kept`: the earlier in answer order, then the parent with the smaller key.
    static func reachesFirst(_ instance: RelationInstance, _ parent: EntityHandle, over kept: Neighbor) -> Bool {
        if RelationResolver.order(instance, kept.via) { return true }
        if RelationResolver.order(kept.via, instance) { return false }
        return (parent.ref.type, parent.ref.key) < (kept.parent.ref.type, kept.parent.ref.key)
    }

    /// Every relation instance between `ref` and `other`, in either direction, as known at `knownAt`, with when and why each ended.
    public func relations(between ref: EntityRef, and other: EntityRef, knownAt: Timestamp? = nil) async throws -> RelationsBetweenAnswer {
        let knownAt = knownAt ?? now
        let history = try await history(of: ref, knownAt: knownAt)
        guard let otherHandle = try await store.entity(other) else { throw QueryError.unknownEntity(other, knownAt: knownAt) }
        let between = history.relations.filter { $0.from.id == otherHandle.id || $0.to.id == otherHandle.id }
        return RelationsBetweenAnswer(entity: history.entity, other: otherHandle, knownAt: knownAt, relations: between)
    }
}

extension RelationInstance {
    /// The instance without its fact text: neighbours answers do not show it, and traversal reads may leave it out
    /// (``GraphStore/relations(touchingAny:knownAt:validBy:laterOf:)``), so no answer depends on whether a store read it.
    var withoutFactText: RelationInstance {
        var instance = self
        instance.fact = nil
        return instance
    }
}
