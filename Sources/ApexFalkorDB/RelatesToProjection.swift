import ApexCore
import ApexPorts

/// Keeps graphiti's `RELATES_TO` edges equal to the relation instances as known now, around the entities an ingest touched.
///
/// For every instance with an end among `touched`, the wanted edge carries
/// its `valid_at` and an `invalid_at` that is its explicit end or the
/// `valid_at` of the fact that supersedes it under the relation's
/// cardinality, whichever comes first (null when open). The current edge
/// (`expired_at` null) of an instance that now says something else is
/// expired at the ingestion time and a new one is created beside it: earlier
/// knowledge states stay as expired edges, as graphiti keeps them. Running it
/// again changes nothing, so a repeated ingest is harmless.
struct RelatesToProjection {
    let store: FalkorDBStore
    let ontology: Ontology
    let now: Timestamp
    /// The saga whose write this refresh is part of (or null): edges it creates (`apex_saga`) or expires (`apex_expired_by`) say so.
    let saga: CypherValue
    private let ids = UUIDv7Generator()

    init(store: FalkorDBStore, ontology: Ontology, now: Timestamp, saga: CypherValue = .null) {
        self.saga = saga
        self.store = store
        self.ontology = ontology
        self.now = now
    }

    /// One edge as it should be (or is).
    struct Edge: Equatable {
        var relation: String
        var from: EntityHandle
        var to: EntityHandle
        var validAt: Int64
        var invalidAt: Int64?
        var fact: String?
    }

    private struct InstanceKey: Hashable {
        var relation: String
        var from: EntityID
        var to: EntityID
        var validAt: Int64
    }

    /// Entities whose edges one refresh step reads and rewrites: a few thousand fact rows per reply.
    static let entitiesPerRefresh = 100

    func refresh(around touched: Set<EntityID>) async throws {
        _ = try await drift(around: touched, repair: true)
    }

    /// How the current edges around `touched` differ from what they should be; with `repair`, rewritten to it.
    func drift(around touched: Set<EntityID>, repair: Bool) async throws -> EdgeDrift {
        var drift = EdgeDrift()
        for chunk in touched.sorted().chunked(Self.entitiesPerRefresh) {
            drift = drift + (try await refresh(chunk: Array(chunk), repair: repair))
        }
        return drift
    }

    private func refresh(chunk: [EntityID], repair: Bool) async throws -> EdgeDrift {
        let wanted = try await wantedEdges(around: chunk)
        let current = try await currentEdges(around: chunk)
        var drift = EdgeDrift()
        var expire: [String] = []
        var create: [Edge] = []
        for (key, edge) in wanted {
            if let existing = current[key] {
                if existing.edge.invalidAt == edge.invalidAt && existing.edge.fact == edge.fact { continue }
                expire.append(contentsOf: existing.uuids)
                drift.stale += 1
            } else {
                drift.missing += 1
            }
            create.append(edge)
        }
        // A current edge of no instance (its facts gone from under it) is no longer true as known now.
        for (key, existing) in current where wanted[key] == nil {
            expire.append(contentsOf: existing.uuids)
            drift.orphaned += 1
        }
        if repair {
            try await expireEdges(expire)
            try await createEdges(create)
        }
        return drift
    }

    /// The instances touching `chunk` as known now, with their ends as graphiti wants them.
    ///
    /// Supersession needs the earliest later facts on the bounded sides, also for an instance whose other
    /// end is outside the chunk: asked for in one batch.
    private func wantedEdges(around chunk: [EntityID]) async throws -> [InstanceKey: Edge] {
        let forever = Timestamp.distantFuture
        async let facts = store.facts(touchingAny: chunk, knownAt: forever)
        async let ends = store.ends(touchingAny: chunk, knownAt: forever)
        let instances = RelationResolver.instances(facts: try await facts, ends: try await ends, knownAt: forever)
        var probes: [LaterFactProbe] = []
        var probeIndex: [Int: (fromSource: Int?, toTarget: Int?)] = [:]
        for (index, instance) in instances.enumerated() {
            guard let cardinality = ontology.supersedingCardinality(of: instance.relation) else { continue }
            var slots: (fromSource: Int?, toTarget: Int?) = (nil, nil)
            if cardinality.supersedesBySource {
                slots.fromSource = probes.count
                probes.append(LaterFactProbe(relation: instance.relation, side: .from, entity: instance.from.id, after: instance.validAt))
            }
            if cardinality.supersedesByTarget {
                slots.toTarget = probes.count
                probes.append(LaterFactProbe(relation: instance.relation, side: .to, entity: instance.to.id, after: instance.validAt))
            }
            probeIndex[index] = slots
        }
        let answers = probes.isEmpty ? [] : try await store.earliestFacts(probes, knownAt: forever)
        var wanted: [InstanceKey: Edge] = [:]
        for (index, instance) in instances.enumerated() {
            var end = instance.explicitEnd
            if let cardinality = ontology.relationType(instance.relation)?.cardinality, let slots = probeIndex[index] {
                let later = LaterFacts(fromSource: slots.fromSource.flatMap { answers[$0] }, toTarget: slots.toTarget.flatMap { answers[$0] })
                end = [end, later.supersession(under: cardinality)].compactMap { $0 }.min()
            }
            let key = InstanceKey(relation: instance.relation, from: instance.from.id, to: instance.to.id, validAt: instance.validAt.microseconds)
            wanted[key] = Edge(
                relation: instance.relation, from: instance.from, to: instance.to, validAt: instance.validAt.microseconds,
                invalidAt: end?.microseconds, fact: instance.fact)
        }
        return wanted
    }

    /// The edges with `expired_at` null touching `chunk`, by instance (more than one only after an interrupted refresh).
    ///
    /// The filter on `expired_at` is applied here: FalkorDB 4.16 answers an undirected
    /// pattern filtered on an indexed edge property (graphiti indexes `expired_at`) with one direction only.
    private func currentEdges(around chunk: [EntityID]) async throws -> [InstanceKey: (edge: Edge, uuids: [String])] {
        let result = try await store.query(
            CypherQuery(
                """
                UNWIND $ids AS id
                MATCH (:Entity {uuid: id})-[e:RELATES_TO]-(:Entity)
                WITH e, startNode(e) AS a, endNode(e) AS b
                RETURN e.uuid, e.name, a.uuid, a.apex_type, a.apex_key, b.uuid, b.apex_type, b.apex_key, e.valid_at_us, e.invalid_at_us, e.apex_fact,
                    e.expired_at
                """,
                [("ids", .list(chunk.map { .string($0.description) }))]),
            readOnly: true)
        var current: [InstanceKey: (edge: Edge, uuids: [String])] = [:]
        var seen = Set<String>()
        for row in result.rows where row.count == 12 && row[11].isNull && (row[0].string.map { seen.insert($0).inserted } ?? false) {
            guard let uuid = row[0].string, let relation = row[1].string, let validAt = row[8].integer,
                let from = try? FalkorDBStore.handle(row[2], row[3], row[4]), let to = try? FalkorDBStore.handle(row[5], row[6], row[7])
            else { continue }  // an edge graphiti (not apex) wrote: not apex's to manage
            let key = InstanceKey(relation: relation, from: from.id, to: to.id, validAt: validAt)
            let edge = Edge(relation: relation, from: from, to: to, validAt: validAt, invalidAt: row[9].integer, fact: row[10].string)
            if var existing = current[key] {
                existing.uuids.append(uuid)
                existing.edge.invalidAt = nil  // force a rewrite: two current edges for one instance
                existing.edge.fact = "\u{0}"
                current[key] = existing
            } else {
                current[key] = (edge, [uuid])
            }
        }
        return current
    }

    private func expireEdges(_ uuids: [String]) async throws {
        for batch in uuids.chunked(FalkorDBStore.batchSize) {
            try await store.query(
                CypherQuery(
                    """
                    UNWIND $uuids AS id
                    MATCH ()-[e:RELATES_TO {uuid: id}]->()
                    SET e.expired_at = $now, e.expired_at_us = $now_us, e.apex_expired_by = $saga
                    """,
                    [
                        ("uuids", .list(batch.map { .string($0) })), ("now", .string(GraphitiTime.string(now))), ("now_us", .integer(now.microseconds)),
                        ("saga", saga),
                    ]))
        }
    }

    private func createEdges(_ edges: [Edge]) async throws {
        for batch in edges.chunked(FalkorDBStore.batchSize) {
            let texts = batch.map(Self.factText)
            let embeddings = try await store.embedder.embed(texts)
            let milliseconds = UInt64(max(0, now.microseconds / 1000))
            let rows: [CypherValue] = batch.enumerated().map { index, edge in
                .map([
                    ("uuid", .string(ids.next(unixMilliseconds: milliseconds).description)), ("from", .string(edge.from.id.description)),
                    ("to", .string(edge.to.id.description)), ("name", .string(edge.relation)), ("fact", .string(texts[index])),
                    ("apex_fact", .optional(edge.fact)), ("valid_at", .string(GraphitiTime.string(Timestamp(microseconds: edge.validAt)))),
                    ("valid_at_us", .integer(edge.validAt)),
                    ("invalid_at", edge.invalidAt.map { .string(GraphitiTime.string(Timestamp(microseconds: $0))) } ?? .null),
                    ("invalid_at_us", .optional(edge.invalidAt)), ("embedding", .vector(index < embeddings.count ? embeddings[index] : [])),
                ])
            }
            try await store.query(
                CypherQuery(
                    """
                    UNWIND $rows AS r
                    MATCH (a:Entity {uuid: r.from}), (b:Entity {uuid: r.to})
                    CREATE (a)-[e:RELATES_TO {uuid: r.uuid, name: r.name, fact: r.fact, group_id: $group, episodes: [],
                        created_at: $now, created_at_us: $now_us, valid_at: r.valid_at, valid_at_us: r.valid_at_us}]->(b)
                    SET e.invalid_at = r.invalid_at, e.invalid_at_us = r.invalid_at_us, e.apex_fact = r.apex_fact,
                        e.fact_embedding = vecf32(r.embedding), e.apex_saga = $saga
                    """,
                    [
                        ("rows", .list(rows)), ("group", .string(store.graph)), ("now", .string(GraphitiTime.string(now))),
                        ("now_us", .integer(now.microseconds)), ("saga", saga),
                    ]))
        }
    }

    /// The edge's `fact`: the record's sentence, or one made from the relation and its ends.
    static func factText(_ edge: Edge) -> String {
        edge.fact ?? "\(edge.from.ref.type) \(edge.from.ref.key) \(edge.relation) \(edge.to.ref.type) \(edge.to.ref.key)"
    }
}
