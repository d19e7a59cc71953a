public import ApexCore
public import ApexPorts

/// The graph's side of `apex verify` (``GraphAudit``): full scans, run by an operator, never on a request's path.
extension FalkorDBStore {
    /// Fields of a node the check leaves out: the embedding (derived from the name) and what the node's first write fixed.
    static let unauditedNodeFields: [CypherValue] = ["name_embedding", "created_at", "created_at_us", "apex_saga"].map { .string($0) }

    public func nodeIDs(after: EntityID?, limit: Int) async throws -> [EntityID] {
        let result = try await query(
            CypherQuery(
                """
                MATCH (n:Entity)
                WHERE n.apex_type IS NOT NULL AND n.uuid > $after
                RETURN n.uuid ORDER BY n.uuid LIMIT $limit
                """,
                [("after", .string(after?.description ?? "")), ("limit", .integer(Int64(max(0, limit))))]),
            readOnly: true, scalars: true)
        return result.rows.compactMap { $0.first?.string.flatMap { EntityID($0) } }
    }

    public func nodesDiffering(from entities: [GraphEntity]) async throws -> [EntityID] {
        var differing: [EntityID] = []
        for batch in entities.chunked(Self.batchSize) {
            let result = try await query(
                CypherQuery(
                    """
                    UNWIND $ids AS id
                    MATCH (n:Entity {uuid: id})
                    RETURN n.uuid, labels(n), [k IN keys(n) WHERE NOT k IN $skip | [k, n[k]]]
                    """,
                    [("ids", .list(batch.map { .string($0.handle.id.description) })), ("skip", .list(Self.unauditedNodeFields))]),
                readOnly: true)
            var found: [String: (labels: FalkorValue, fields: FalkorValue)] = [:]
            for row in result.rows where row.count == 3 {
                if let uuid = row[0].string { found[uuid] = (row[1], row[2]) }
            }
            for entity in batch {
                guard let node = found[entity.handle.id.description], Self.node(node, matches: entity, graph: graph) else {
                    differing.append(entity.handle.id)
                    continue
                }
            }
        }
        return differing
    }

    /// Whether a node's labels and fields are what an upsert of `entity` writes.
    static func node(_ node: (labels: FalkorValue, fields: FalkorValue), matches entity: GraphEntity, graph: String) -> Bool {
        let type = entity.handle.ref.type
        let labels: Set<String> = CypherQuery.label(type) == nil ? ["Entity"] : ["Entity", type]
        guard case .list(let found) = node.labels, Set(found.compactMap(\.string)) == labels, found.count == labels.count else { return false }
        guard case .list(let pairs) = node.fields else { return false }
        var fields: [String: FalkorValue] = [:]
        for pair in pairs {
            guard case .list(let kv) = pair, kv.count == 2, let key = kv[0].string else { return false }
            fields[key] = kv[1]
        }
        let wanted = nodeProperties(entity, name: displayName(entity), graph: graph)
        guard wanted.count == fields.count else { return false }
        return wanted.allSatisfy { field in fields[field.key].map { Self.value($0, equals: field.value) } ?? false }
    }

    /// Whether a stored scalar is the value written.
    static func value(_ stored: FalkorValue, equals written: CypherValue) -> Bool {
        switch (stored, written) {
        case (.string(let a), .string(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    public func deleteNodes(_ ids: [EntityID]) async throws {
        for batch in ids.chunked(Self.batchSize) {
            try await query(
                CypherQuery(
                    """
                    UNWIND $ids AS id
                    MATCH (n:Entity {uuid: id})
                    OPTIONAL MATCH (s:ApexAdjacency {uuid: id})
                    DETACH DELETE n, s
                    """,
                    [("ids", .list(batch.map { .string($0.description) }))]))
        }
    }

    public func edgeDrift(around entities: [EntityID], ontology: Ontology, now: Timestamp, repair: Bool) async throws -> EdgeDrift {
        var drift = try await RelatesToProjection(store: self, ontology: ontology, now: now).drift(around: Set(entities), repair: repair)
        drift.summaries = try await adjacencyDrift(around: Set(entities), repair: repair)
        return drift
    }

    public func sagaTags() async throws -> Set<EntityID> {
        let result = try await query(
            CypherQuery(
                """
                MATCH (n:Entity) WHERE n.apex_saga IS NOT NULL RETURN DISTINCT n.apex_saga AS saga
                UNION
                MATCH ()-[f]->() WHERE f.apex_saga IS NOT NULL RETURN DISTINCT f.apex_saga AS saga
                UNION
                MATCH ()-[e:RELATES_TO]->() WHERE e.apex_expired_by IS NOT NULL RETURN DISTINCT e.apex_expired_by AS saga
                """),
            readOnly: true, scalars: true)
        return Set(result.rows.compactMap { $0.first?.string.flatMap { EntityID($0) } })
    }

    public func entitiesTagged(by saga: EntityID) async throws -> Set<EntityID> {
        let result = try await query(
            CypherQuery(
                """
                MATCH (n:Entity {apex_saga: $saga}) RETURN n.uuid AS id
                UNION
                MATCH (a:Entity)-[f]->(b:Entity) WHERE f.apex_saga = $saga OR f.apex_expired_by = $saga
                UNWIND [a.uuid, b.uuid] AS id RETURN id
                """,
                [("saga", .string(saga.description))]),
            readOnly: true, scalars: true)
        return Set(result.rows.compactMap { $0.first?.string.flatMap { EntityID($0) } })
    }
}
