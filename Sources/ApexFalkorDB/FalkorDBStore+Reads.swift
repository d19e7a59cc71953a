public import ApexCore
public import ApexPorts

extension FalkorDBStore {
    public func facts(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactVersion] {
        try await facts(touchingAny: [entity], knownAt: knownAt)
    }

    /// Every fact version touching any of `entities`, recorded by `knownAt`, each once.
    public func facts(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactVersion] {
        guard !entities.isEmpty else { return [] }
        // Without the later facts that may supersede each version: FalkorDB 4.16 takes tens of milliseconds
        // for that as a subquery per row; the engine asks for the bounded ones in one batch (earliestFacts).
        let result = try await query(
            CypherQuery(
                """
                UNWIND $ids AS id
                MATCH (:Entity {uuid: id})-[f:APEX_FACT]-(:Entity)
                WHERE f.recorded_at <= $known
                WITH f, startNode(f) AS a, endNode(f) AS b
                RETURN id(f), f.relation, a.uuid, b.uuid, f.valid_at, f.invalid_at, f.recorded_at, f.fact
                """,
                [("ids", .list(entities.map { .string($0.description) })), ("known", .integer(knownAt.microseconds))]),
            readOnly: true, scalars: true)
        // An edge between two of the entities comes once per end.
        var seen = Set<Int64>()
        let rows = try Self.distinct(result.rows, seen: &seen).map { row in
            guard row.count == 8, let relation = row[1].string, let validAt = row[4].integer, let recordedAt = row[6].integer else {
                throw FalkorDBStoreError.unexpectedReply(reason: "an APEX_FACT edge lacks its relation or times")
            }
            guard let from = row[2].string.flatMap(EntityID.init), let to = row[3].string.flatMap(EntityID.init) else {
                throw FalkorDBStoreError.unexpectedReply(reason: "an Entity node lacks its uuid")
            }
            return FactByIDs(
                relation: relation, from: from, to: to, validAt: Timestamp(microseconds: validAt), invalidAt: row[5].integer.map(Timestamp.init(microseconds:)),
                recordedAt: Timestamp(microseconds: recordedAt), fact: row[7].string)
        }
        let endRefs = try await refs(of: rows.flatMap { [$0.from, $0.to] })
        return try rows.map { try $0.resolved(endRefs) }
    }

    /// A snapshot's facts and ends in one query: a `UNION ALL` of the two edge reads (one round trip instead of two side by side).
    public func factsAndEnds(touching entity: EntityID, knownAt: Timestamp) async throws -> (facts: [FactVersion], ends: [FactEnd]) {
        let result = try await query(
            CypherQuery(
                """
                MATCH (:Entity {uuid: $id})-[f:APEX_FACT]-(:Entity)
                WHERE f.recorded_at <= $known
                WITH f, startNode(f) AS a, endNode(f) AS b
                RETURN 0 AS part, id(f) AS edge, f.relation AS relation, a.uuid AS a_id, b.uuid AS b_id, f.valid_at AS valid_at,
                    f.invalid_at AS invalid_at, f.recorded_at AS recorded_at, f.fact AS fact
                UNION ALL
                MATCH (:Entity {uuid: $id})-[x:APEX_END]-(:Entity)
                WHERE x.recorded_at <= $known
                WITH x, startNode(x) AS a, endNode(x) AS b
                RETURN 1 AS part, id(x) AS edge, x.relation AS relation, a.uuid AS a_id, b.uuid AS b_id, null AS valid_at,
                    x.invalid_at AS invalid_at, x.recorded_at AS recorded_at, null AS fact
                """,
                [("id", .string(entity.description)), ("known", .integer(knownAt.microseconds))]),
            readOnly: true, scalars: true)
        var rows: [FactByIDs] = []
        var ends: [FactEnd] = []
        // A self-loop comes once per end of the pattern.
        var seen = Set<[Int64]>()
        for row in result.rows {
            guard row.count == 9, let part = row[0].integer, let edge = row[1].integer, let relation = row[2].string,
                let from = row[3].string.flatMap(EntityID.init), let to = row[4].string.flatMap(EntityID.init), let recordedAt = row[7].integer
            else { throw FalkorDBStoreError.unexpectedReply(reason: "an APEX_FACT or APEX_END edge lacks its relation, ends or times") }
            guard seen.insert([part, edge]).inserted else { continue }
            if part == 0 {
                guard let validAt = row[5].integer else { throw FalkorDBStoreError.unexpectedReply(reason: "an APEX_FACT edge lacks its valid time") }
                rows.append(
                    FactByIDs(
                        relation: relation, from: from, to: to, validAt: Timestamp(microseconds: validAt),
                        invalidAt: row[6].integer.map(Timestamp.init(microseconds:)), recordedAt: Timestamp(microseconds: recordedAt), fact: row[8].string))
            } else {
                guard let invalidAt = row[6].integer else { throw FalkorDBStoreError.unexpectedReply(reason: "an APEX_END edge lacks its invalid time") }
                ends.append(
                    FactEnd(
                        relation: relation, from: from, to: to, invalidAt: Timestamp(microseconds: invalidAt), recordedAt: Timestamp(microseconds: recordedAt)))
            }
        }
        let endRefs = try await refs(of: rows.flatMap { [$0.from, $0.to] })
        return (try rows.map { try $0.resolved(endRefs) }, ends)
    }

    public func ends(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactEnd] {
        try await ends(touchingAny: [entity], knownAt: knownAt)
    }

    /// Every end record touching any of `entities`, recorded by `knownAt`, each once.
    public func ends(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactEnd] {
        guard !entities.isEmpty else { return [] }
        let query = CypherQuery(
            """
            UNWIND $ids AS id
            MATCH (e:Entity {uuid: id})-[x:APEX_END]-(:Entity)
            WHERE x.recorded_at <= $known
            WITH x, startNode(x) AS a, endNode(x) AS b
            RETURN id(x), x.relation, a.uuid, b.uuid, x.invalid_at, x.recorded_at
            """,
            [("ids", .list(entities.map { .string($0.description) })), ("known", .integer(knownAt.microseconds))])
        let result = try await self.query(query, readOnly: true, scalars: true)
        var seen = Set<Int64>()
        return try Self.distinct(result.rows, seen: &seen).map { row in
            guard row.count == 6, let relation = row[1].string, let from = row[2].string.flatMap(EntityID.init),
                let to = row[3].string.flatMap(EntityID.init), let invalidAt = row[4].integer, let recordedAt = row[5].integer
            else {
                throw FalkorDBStoreError.unexpectedReply(reason: "an APEX_END edge lacks its relation, ends or times")
            }
            return FactEnd(
                relation: relation, from: from, to: to, invalidAt: Timestamp(microseconds: invalidAt), recordedAt: Timestamp(microseconds: recordedAt))
        }
    }

    public func earliestFact(relation: String, side: FactSide, entity: EntityID, after: Timestamp, knownAt: Timestamp) async throws -> Timestamp? {
        try await earliestFacts([LaterFactProbe(relation: relation, side: side, entity: entity, after: after)], knownAt: knownAt).first ?? nil
    }

    /// One query per side for all the probes, grouped by the probe's index (a scalar: grouping on edges is not to be trusted).
    public func earliestFacts(_ probes: [LaterFactProbe], knownAt: Timestamp) async throws -> [Timestamp?] {
        var answers = [Timestamp?](repeating: nil, count: probes.count)
        for side in [FactSide.from, .to] {
            let rows: [CypherValue] = probes.enumerated().filter { $0.element.side == side }.map { index, probe in
                .map([
                    ("i", .integer(Int64(index))), ("id", .string(probe.entity.description)), ("relation", .string(probe.relation)),
                    ("after", .integer(probe.after.microseconds)),
                ])
            }
            guard !rows.isEmpty else { continue }
            let text =
                switch side {
                case .from:
                    """
                    UNWIND $probes AS p
                    MATCH (:Entity {uuid: p.id})-[n:APEX_FACT]->(:Entity)
                    WHERE n.relation = p.relation AND n.valid_at > p.after AND n.recorded_at <= $known
                    RETURN p.i, min(n.valid_at)
                    """
                case .to:
                    """
                    UNWIND $probes AS p
                    MATCH (:Entity)-[n:APEX_FACT]->(:Entity {uuid: p.id})
                    WHERE n.relation = p.relation AND n.valid_at > p.after AND n.recorded_at <= $known
                    RETURN p.i, min(n.valid_at)
                    """
                }
            for batch in rows.chunked(Self.batchSize) {
                let result = try await query(
                    CypherQuery(text, [("probes", .list(Array(batch))), ("known", .integer(knownAt.microseconds))]), readOnly: true, scalars: true)
                for row in result.rows where row.count == 2 {
                    guard let index = row[0].integer, index >= 0, Int(index) < answers.count else { continue }
                    answers[Int(index)] = row[1].integer.map(Timestamp.init(microseconds:))
                }
            }
        }
        return answers
    }

    public func relationTypesInUse() async throws -> Set<String> {
        let facts = try await query(CypherQuery("MATCH ()-[f:APEX_FACT]->() RETURN DISTINCT f.relation"), readOnly: true)
        let ends = try await query(CypherQuery("MATCH ()-[x:APEX_END]->() RETURN DISTINCT x.relation"), readOnly: true)
        return Set((facts.rows + ends.rows).compactMap { $0.first?.string })
    }

    public func relationChurn(from: Timestamp, to: Timestamp) async throws -> [RelationChurn] {
        let facts = try await query(
            CypherQuery("MATCH (a:Entity)-[f:APEX_FACT]->(b:Entity) RETURN f.relation, a.uuid, b.uuid, f.valid_at, f.invalid_at, f.recorded_at"),
            readOnly: true)
        let ends = try await query(CypherQuery("MATCH (a:Entity)-[x:APEX_END]->(b:Entity) RETURN x.relation, a.uuid, b.uuid, x.invalid_at"), readOnly: true)
        var counter = ChurnCounter()
        for row in facts.rows {
            guard row.count == 6, let relation = row[0].string, let a = row[1].string, let b = row[2].string, let validAt = row[3].integer,
                let recordedAt = row[5].integer
            else { continue }
            counter.addFact(relation: relation, from: a, to: b, validAt: validAt, invalidAt: row[4].integer, recordedAt: recordedAt)
        }
        for row in ends.rows {
            guard row.count == 4, let relation = row[0].string, let a = row[1].string, let b = row[2].string, let invalidAt = row[3].integer else { continue }
            counter.addEnd(relation: relation, from: a, to: b, invalidAt: invalidAt)
        }
        return counter.churn(from: from.microseconds, to: to.microseconds)
    }

    /// The rows whose first column (an edge's internal id) was not seen before.
    static func distinct(_ rows: [[FalkorValue]], seen: inout Set<Int64>) -> [[FalkorValue]] {
        rows.filter { row in row.first?.integer.map { seen.insert($0).inserted } ?? true }
    }

    /// The entity of a row's uuid, type and key columns.
    static func handle(_ id: FalkorValue, _ type: FalkorValue, _ key: FalkorValue) throws -> EntityHandle {
        guard let text = id.string, let entity = EntityID(text), let type = type.string, let key = key.string else {
            throw FalkorDBStoreError.unexpectedReply(reason: "an Entity node lacks its uuid, apex_type or apex_key")
        }
        return EntityHandle(id: entity, ref: EntityRef(type: type, key: key))
    }
}
