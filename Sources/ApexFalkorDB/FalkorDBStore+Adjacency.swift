import ApexCore
import ApexPorts

extension FalkorDBStore {
    /// Rewrites the adjacency summaries of `entities` from their `APEX_FACT` and `APEX_END` edges (``AdjacencyItem``).
    ///
    /// Called after every change to those edges, for both ends of each edge
    /// changed: each summary is rebuilt whole from the edges in one query, so a
    /// refresh is idempotent and two writers' refreshes of one entity leave it
    /// right whichever runs last (FalkorDB runs write queries one at a time). A
    /// summary goes with its `Entity` node, in the query that deletes the node.
    func refreshAdjacency(of entities: Set<EntityID>) async throws {
        for chunk in entities.sorted().chunked(Self.batchSize) {
            try await query(CypherQuery(Self.adjacencyRefresh, [("ids", .list(chunk.map { .string($0.description) })), ("newline", .string("\n"))]))
        }
    }

    /// The visible items of each entity's summary recorded by `knownAt`; an entity without a summary has no edges.
    func adjacency(of entities: [EntityID], knownAt: Timestamp) async throws -> [EntityID: [AdjacencyItem]] {
        guard !entities.isEmpty else { return [:] }
        let result = try await query(
            CypherQuery(
                """
                UNWIND $ids AS id
                MATCH (s:ApexAdjacency {uuid: id})
                RETURN s.uuid, s.summary
                """,
                [("ids", .list(entities.map { .string($0.description) }))]),
            readOnly: true, scalars: true)
        let horizon = visibility.map(\.horizon)
        let hidden = visibility?.hidden ?? []
        var summaries = [EntityID: [AdjacencyItem]](minimumCapacity: result.rows.count)
        for row in result.rows {
            guard row.count == 2, let entity = row[0].string.flatMap(EntityID.init) else {
                throw FalkorDBStoreError.unexpectedReply(reason: "an ApexAdjacency node lacks its uuid")
            }
            let items = try AdjacencyItem.items(of: row[1].string ?? "")
            summaries[entity] = items.filter { item in
                item.recordedAt <= knownAt && (horizon.map { item.isVisible(horizon: $0, hidden: hidden) } ?? true)
            }
        }
        return summaries
    }

    /// How many of `entities` have a summary other than their edges make now (a missing one counts when they have edges);
    /// rebuilt when `repair` is set. `apex verify` asks, so that a write that failed between its edges and their summaries shows.
    func adjacencyDrift(around entities: Set<EntityID>, repair: Bool) async throws -> Int {
        var differing = Set<EntityID>()
        for chunk in entities.sorted().chunked(Self.batchSize) {
            let result = try await query(
                CypherQuery(Self.adjacencyCheck, [("ids", .list(chunk.map { .string($0.description) })), ("newline", .string("\n"))]), readOnly: true,
                scalars: true)
            for row in result.rows where row.count == 3 {
                guard let entity = row[0].string.flatMap(EntityID.init) else { continue }
                let wanted = (row[1].string ?? "").split(separator: "\n").sorted()
                let stored = (row[2].string ?? "").split(separator: "\n").sorted()
                if wanted != stored { differing.insert(entity) }
            }
        }
        if repair, !differing.isEmpty { try await refreshAdjacency(of: differing) }
        return differing.count
    }

    /// Rebuilds the summaries of the entities `$ids` that have an `Entity` node: one line per edge (``AdjacencyItem``).
    static let adjacencyRefresh = adjacencyItems + "\nMERGE (s:ApexAdjacency {uuid: n.uuid})\nSET s.summary = string.join(items, $newline)"

    /// Each entity of `$ids` that has an `Entity` node, the summary its edges make now, and the stored one.
    static let adjacencyCheck =
        adjacencyItems + "\nOPTIONAL MATCH (s:ApexAdjacency {uuid: n.uuid})\nRETURN n.uuid, string.join(items, $newline), s.summary"

    /// The lines of the summaries of the entities `$ids` that have an `Entity` node, as `n` and `items`.
    static let adjacencyItems = """
        UNWIND $ids AS id
        MATCH (n:Entity {uuid: id})
        OPTIONAL MATCH (n)-[f:APEX_FACT]->(o:Entity)
        WITH n, collect('f o ' + o.uuid + ' ' + toString(f.valid_at) + ' ' + coalesce(toString(f.invalid_at), '-') + ' '
            + toString(f.recorded_at) + ' ' + coalesce(f.apex_saga, '-') + ' ' + f.relation) AS factsOut
        OPTIONAL MATCH (n)<-[f:APEX_FACT]-(o:Entity)
        WITH n, factsOut, collect('f i ' + o.uuid + ' ' + toString(f.valid_at) + ' ' + coalesce(toString(f.invalid_at), '-') + ' '
            + toString(f.recorded_at) + ' ' + coalesce(f.apex_saga, '-') + ' ' + f.relation) AS factsIn
        OPTIONAL MATCH (n)-[x:APEX_END]->(o:Entity)
        WITH n, factsOut, factsIn, collect('e o ' + o.uuid + ' - ' + toString(x.invalid_at) + ' '
            + toString(x.recorded_at) + ' ' + coalesce(x.apex_saga, '-') + ' ' + x.relation) AS endsOut
        OPTIONAL MATCH (n)<-[x:APEX_END]-(o:Entity)
        WITH n, factsOut, factsIn, endsOut, collect('e i ' + o.uuid + ' - ' + toString(x.invalid_at) + ' '
            + toString(x.recorded_at) + ' ' + coalesce(x.apex_saga, '-') + ' ' + x.relation) AS endsIn
        WITH n, factsOut + factsIn + endsOut + endsIn AS items
        """
}
