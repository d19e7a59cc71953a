import ApexCore
public import ApexPorts

extension FalkorDBStore {
    /// Rows per `UNWIND` query.
    static let batchSize = 500

    public func ingest(_ request: IngestRequest, entities: [GraphEntity]) async throws {
        let now = request.ingestionTime
        let saga: CypherValue = request.saga.map { .string($0.description) } ?? .null
        try await upsert(entities, now: now, saga: saga)
        let (facts, ends, implicit) = try collectRelations(request)
        try await write(facts: facts, saga: saga)
        try await write(ends: ends, saga: saga)
        for item in implicit { try await writeImplicit(item, identities: request.identities, saga: saga) }
        var touched = Set<EntityID>()
        for key in facts.keys { touched.formUnion([key.from, key.to]) }
        for end in ends { touched.formUnion([end.from, end.to]) }
        for item in implicit {
            for ref in item.record.entityRefs { if let id = request.identities.ids[ref] { touched.insert(id) } }
        }
        try await refreshAdjacency(of: touched)
        try await RelatesToProjection(store: self, ontology: request.ontologyInForce, now: now, saga: saga).refresh(around: touched)
    }

    // MARK: Entity nodes

    /// Creates or updates the `Entity` nodes: graphiti's fields, apex's id map, the current properties, one type label;
    /// a node it creates is tagged with `saga` (`apex_saga`), which stays with the node.
    func upsert(_ entities: [GraphEntity], now: Timestamp, saga: CypherValue) async throws {
        var byType: [String: [GraphEntity]] = [:]
        for entity in entities { byType[entity.handle.ref.type, default: []].append(entity) }
        for (type, group) in byType.sorted(by: { $0.key < $1.key }) {
            // A label cannot be a parameter: the type (from the ontology) is quoted, or left out when it cannot be.
            let label = CypherQuery.label(type).map { " SET n:\($0)" } ?? ""
            var start = 0
            while start < group.count {
                let batch = Array(group[start..<min(start + Self.batchSize, group.count)])
                start += batch.count
                let names = batch.map(Self.displayName)
                let embeddings = try await embedder.embed(names)
                let rows: [CypherValue] = batch.enumerated().map { index, entity in
                    .map([
                        ("uuid", .string(entity.handle.id.description)),
                        ("props", .map(Self.nodeProperties(entity, name: names[index], graph: graph))),
                        ("embedding", .vector(index < embeddings.count ? embeddings[index] : [])),
                    ])
                }
                try await query(
                    CypherQuery(
                        """
                        UNWIND $rows AS r
                        MERGE (n:Entity {uuid: r.uuid})
                        WITH n, r, n.created_at AS created, n.created_at_us AS created_us, n.apex_saga AS creator
                        SET n = r.props, n.created_at = coalesce(created, $now), n.created_at_us = coalesce(created_us, $now_us),
                            n.name_embedding = vecf32(r.embedding), n.apex_saga = CASE WHEN created IS NULL THEN $saga ELSE creator END
                        """ + label,
                        [
                            ("rows", .list(rows)), ("now", .string(GraphitiTime.string(now))), ("now_us", .integer(now.microseconds)),
                            ("saga", saga),
                        ]))
            }
        }
    }

    /// The node's name: its `name` property when it has a text one, else its key.
    static func displayName(_ entity: GraphEntity) -> String {
        if let name = entity.properties.first(where: { $0.name == "name" }), case .string(let text) = name.value { return text }
        return entity.handle.ref.key
    }

    /// Fields graphiti reads and apex's own, then the entity's current properties (those whose names are free and quotable).
    static func nodeProperties(_ entity: GraphEntity, name: String, graph: String) -> [(key: String, value: CypherValue)] {
        var fields: [(key: String, value: CypherValue)] = [
            ("uuid", .string(entity.handle.id.description)), ("name", .string(name)), ("group_id", .string(graph)),
            ("summary", .string("\(entity.handle.ref.type) \(entity.handle.ref.key)")), ("apex_type", .string(entity.handle.ref.type)),
            ("apex_key", .string(entity.handle.ref.key)),
        ]
        for property in entity.properties where !reservedNodeFields.contains(property.name) && CypherQuery.isQuotable(property.name) {
            guard let value = cypherValue(property.value) else { continue }
            fields.append((property.name, value))
        }
        return fields
    }

    /// Node fields apex sets itself; a property of the same name is not copied onto the node.
    static let reservedNodeFields: Set<String> = [
        "uuid", "name", "group_id", "summary", "created_at", "created_at_us", "name_embedding", "labels", "attributes", "apex_type", "apex_key",
        "apex_saga",
    ]

    /// A property value as a node property: scalars as they are, lists and objects as their JSON text.
    static func cypherValue(_ value: JSONValue) -> CypherValue? {
        switch value {
        case .null: nil
        case .bool(let flag): .bool(flag)
        case .integer(let number): .integer(number)
        case .number(let number): .double(number)
        case .string(let text): .string(text)
        case .array, .object: .string(JSONWriter.string(value))
        }
    }

    // MARK: Facts and ends

    /// The request's facts (settled within the request by the tie rule) and ends with explicit times, and the records without `recorded_at`.
    func collectRelations(_ request: IngestRequest) throws -> (facts: [FactKey: FactRow], ends: Set<EndRow>, implicit: [IngestRecord]) {
        var facts: [FactKey: FactRow] = [:]
        var ends = Set<EndRow>()
        var implicit: [IngestRecord] = []
        let source = try request.makeSource()
        while let item = try source.next() {
            switch item.record {
            case .state: continue
            case .fact(let record):
                if item.recordedAtIsImplicit {
                    implicit.append(item)
                    continue
                }
                let key = FactKey(
                    from: try request.identities.id(of: record.from), relation: record.relation, validAt: record.validAt.microseconds,
                    to: try request.identities.id(of: record.to), recordedAt: item.recordedAt.microseconds)
                let row = FactRow(invalidAt: record.invalidAt?.microseconds, fact: record.fact, source: record.source)
                if let existing = facts[key], !FactVersion.tie(invalidAt: row.invalidAt, fact: row.fact, beats: existing.invalidAt, existing.fact) { continue }
                facts[key] = row
            case .end(let record):
                if item.recordedAtIsImplicit {
                    implicit.append(item)
                    continue
                }
                ends.insert(
                    EndRow(
                        relation: record.relation, from: try request.identities.id(of: record.from), to: try request.identities.id(of: record.to),
                        invalidAt: record.invalidAt.microseconds, recordedAt: item.recordedAt.microseconds, source: record.source))
            }
        }
        return (facts, ends, implicit)
    }

    /// Upserts fact versions; on an exact key tie the stored row changes only when the new one wins (``FactVersion/tie(invalidAt:fact:beats:_:)``).
    func write(facts: [FactKey: FactRow], saga: CypherValue) async throws {
        let rows: [CypherValue] = facts.sorted { $0.key.recordedAt < $1.key.recordedAt }.map { key, row in
            .map([
                ("from", .string(key.from.description)), ("to", .string(key.to.description)), ("relation", .string(key.relation)),
                ("valid_at", .integer(key.validAt)), ("recorded_at", .integer(key.recordedAt)), ("invalid_at", .optional(row.invalidAt)),
                ("fact", .optional(row.fact)), ("source", .optional(row.source)),
            ])
        }
        for batch in rows.chunked(Self.batchSize) {
            try await query(
                CypherQuery(
                    """
                    UNWIND $rows AS r
                    MATCH (a:Entity {uuid: r.from}), (b:Entity {uuid: r.to})
                    MERGE (a)-[f:APEX_FACT {relation: r.relation, valid_at: r.valid_at, recorded_at: r.recorded_at}]->(b)
                    ON CREATE SET f.invalid_at = r.invalid_at, f.fact = r.fact, f.source = r.source, f.apex_saga = $saga
                    WITH f, r,
                        coalesce(r.invalid_at, $open) AS new_end, coalesce(f.invalid_at, $open) AS old_end
                    WHERE new_end < old_end
                        OR (new_end = old_end AND r.fact IS NOT NULL AND (f.fact IS NULL OR r.fact > f.fact))
                    SET f.invalid_at = r.invalid_at, f.fact = r.fact, f.source = r.source
                    """,
                    [("rows", .list(Array(batch))), ("open", .integer(Int64.max)), ("saga", saga)]))
        }
    }

    /// Inserts end records (an identical one is kept once).
    func write(ends: Set<EndRow>, saga: CypherValue) async throws {
        let rows: [CypherValue] = ends.sorted { $0.recordedAt < $1.recordedAt }.map { row in
            .map([
                ("from", .string(row.from.description)), ("to", .string(row.to.description)), ("relation", .string(row.relation)),
                ("invalid_at", .integer(row.invalidAt)), ("recorded_at", .integer(row.recordedAt)), ("source", .optional(row.source)),
            ])
        }
        for batch in rows.chunked(Self.batchSize) {
            try await query(
                CypherQuery(
                    """
                    UNWIND $rows AS r
                    MATCH (a:Entity {uuid: r.from}), (b:Entity {uuid: r.to})
                    MERGE (a)-[x:APEX_END {relation: r.relation, invalid_at: r.invalid_at, recorded_at: r.recorded_at}]->(b)
                    ON CREATE SET x.source = r.source, x.apex_saga = $saga
                    """,
                    [("rows", .list(Array(batch))), ("saga", saga)]))
        }
    }

    /// A fact or end without `recorded_at`: stored unless the latest stored version at its valid time already says the same.
    func writeImplicit(_ item: IngestRecord, identities: EntityIdentities, saga: CypherValue) async throws {
        let recordedAt = item.recordedAt.microseconds
        switch item.record {
        case .state: return
        case .fact(let record):
            let from = try identities.id(of: record.from)
            let to = try identities.id(of: record.to)
            let latest = try await query(
                CypherQuery(
                    """
                    MATCH (:Entity {uuid: $from})-[f:APEX_FACT]->(:Entity {uuid: $to})
                    WHERE f.relation = $relation AND f.valid_at = $valid_at
                    RETURN f.invalid_at, f.fact ORDER BY f.recorded_at DESC LIMIT 1
                    """,
                    [
                        ("from", .string(from.description)), ("to", .string(to.description)), ("relation", .string(record.relation)),
                        ("valid_at", .integer(record.validAt.microseconds)),
                    ]),
                readOnly: true)
            if let row = latest.rows.first, row.count == 2, row[0].integer == record.invalidAt?.microseconds, row[1].string == record.fact { return }
            let key = FactKey(from: from, relation: record.relation, validAt: record.validAt.microseconds, to: to, recordedAt: recordedAt)
            try await write(facts: [key: FactRow(invalidAt: record.invalidAt?.microseconds, fact: record.fact, source: record.source)], saga: saga)
        case .end(let record):
            let from = try identities.id(of: record.from)
            let to = try identities.id(of: record.to)
            let found = try await query(
                CypherQuery(
                    """
                    MATCH (:Entity {uuid: $from})-[x:APEX_END]->(:Entity {uuid: $to})
                    WHERE x.relation = $relation AND x.invalid_at = $invalid_at RETURN 1 LIMIT 1
                    """,
                    [
                        ("from", .string(from.description)), ("to", .string(to.description)), ("relation", .string(record.relation)),
                        ("invalid_at", .integer(record.invalidAt.microseconds)),
                    ]),
                readOnly: true)
            if !found.rows.isEmpty { return }
            try await write(
                ends: [
                    EndRow(
                        relation: record.relation, from: from, to: to, invalidAt: record.invalidAt.microseconds, recordedAt: recordedAt,
                        source: record.source)
                ], saga: saga)
        }
    }
}

/// The identity of a fact version: one row per (from, relation, valid_at, to, recorded_at).
struct FactKey: Hashable {
    var from: EntityID
    var relation: String
    var validAt: Int64
    var to: EntityID
    var recordedAt: Int64
}

/// What a fact version says besides its identity.
struct FactRow {
    var invalidAt: Int64?
    var fact: String?
    var source: String?
}

/// One end record; two that differ only in `source` are the same.
struct EndRow: Hashable {
    var relation: String
    var from: EntityID
    var to: EntityID
    var invalidAt: Int64
    var recordedAt: Int64
    var source: String?

    static func == (lhs: EndRow, rhs: EndRow) -> Bool {
        lhs.relation == rhs.relation && lhs.from == rhs.from && lhs.to == rhs.to && lhs.invalidAt == rhs.invalidAt && lhs.recordedAt == rhs.recordedAt
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(relation)
        hasher.combine(from)
        hasher.combine(to)
        hasher.combine(invalidAt)
        hasher.combine(recordedAt)
    }
}

extension Array {
    /// The array cut into consecutive pieces of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
