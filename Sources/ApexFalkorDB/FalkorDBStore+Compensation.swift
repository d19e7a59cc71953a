public import ApexCore
public import ApexPorts

extension FalkorDBStore {
    /// Undoes a saga's graph writes around the entities it named: see ``GraphWriter/compensate(saga:touching:entities:ontology:now:)``.
    ///
    /// In order, each step idempotent: the `APEX_FACT`, `APEX_END` and
    /// `RELATES_TO` edges tagged with the saga go; the `RELATES_TO` edges it
    /// expired are current again; the nodes it created go with their edges and adjacency summaries;
    /// the adjacency summaries around them are rebuilt; the surviving nodes
    /// get their properties from `entities`; and the projection around them is refreshed, which changes nothing when the
    /// saga's refresh had finished.
    public func compensate(saga: EntityID, touching: Set<EntityID>, entities: [GraphEntity], ontology: Ontology, now: Timestamp) async throws {
        let tag: CypherValue = .string(saga.description)
        for chunk in touching.sorted().chunked(Self.batchSize) {
            let ids: CypherValue = .list(chunk.map { .string($0.description) })
            for text in Self.compensationSteps {
                try await query(CypherQuery(text, [("ids", ids), ("saga", tag)]))
            }
        }
        try await refreshAdjacency(of: touching)
        try await rewriteNodes(entities, now: now)
        try await RelatesToProjection(store: self, ontology: ontology, now: now).refresh(around: Set(entities.map(\.handle.id)))
    }

    public func rewriteNodes(_ entities: [GraphEntity], now: Timestamp) async throws {
        try await upsert(entities, now: now, saga: .null)
    }

    /// The queries that undo a saga around the entities `$ids`, in order.
    static let compensationSteps = [
        """
        UNWIND $ids AS id
        MATCH (:Entity {uuid: id})-[f:APEX_FACT]-(:Entity)
        WHERE f.apex_saga = $saga
        DELETE f
        """,
        """
        UNWIND $ids AS id
        MATCH (:Entity {uuid: id})-[x:APEX_END]-(:Entity)
        WHERE x.apex_saga = $saga
        DELETE x
        """,
        """
        UNWIND $ids AS id
        MATCH (:Entity {uuid: id})-[e:RELATES_TO]-(:Entity)
        WHERE e.apex_saga = $saga
        DELETE e
        """,
        """
        UNWIND $ids AS id
        MATCH (:Entity {uuid: id})-[e:RELATES_TO]-(:Entity)
        WHERE e.apex_expired_by = $saga
        SET e.expired_at = null, e.expired_at_us = null, e.apex_expired_by = null
        """,
        """
        UNWIND $ids AS id
        MATCH (n:Entity {uuid: id})
        WHERE n.apex_saga = $saga
        OPTIONAL MATCH (s:ApexAdjacency {uuid: id})
        DETACH DELETE n, s
        """,
    ]
}
