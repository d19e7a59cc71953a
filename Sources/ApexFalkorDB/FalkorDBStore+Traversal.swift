public import ApexCore
public import ApexPorts

extension FalkorDBStore {
    /// One level of a traversal in two concurrent queries: the facts (without their text) with the later facts that may
    /// supersede them, and the ends.
    ///
    /// With `validBy`, the facts valid after it are left out except those of
    /// the relations in `laterOf`, so that every fact of a bounded relation
    /// on a frontier entity is at hand; the same query reads the facts of the
    /// bounded side of each one's other entity (the later facts that may
    /// supersede it there). Each fact of `laterOf` then carries its
    /// ``LaterFacts``, and the engine asks nothing more.
    public func relations(touchingAny entities: [EntityID], knownAt: Timestamp, validBy: Timestamp?, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations
    {
        guard !entities.isEmpty else { return TouchingRelations(facts: [], ends: []) }
        async let facts = factsWithLater(touchingAny: entities, knownAt: knownAt, validBy: validBy, laterOf: laterOf)
        async let ends = ends(touchingAny: entities, knownAt: knownAt, validBy: validBy)
        return TouchingRelations(facts: try await facts, ends: try await ends)
    }

    /// The facts touching `entities` (valid by `validBy` unless of a relation in `laterOf`), those of `laterOf` with their later facts.
    func factsWithLater(touchingAny entities: [EntityID], knownAt: Timestamp, validBy: Timestamp?, laterOf: [String: Cardinality]) async throws
        -> [FactVersion]
    {
        let bySource = laterOf.filter { $0.value.supersedesBySource }.keys.sorted()
        let byTarget = laterOf.filter { $0.value.supersedesByTarget }.keys.sorted()
        // Parts 1 and 2 read the other entity's facts on the bounded side: only its relation and valid time are used.
        var text = Self.touchingFactsPart
        if !bySource.isEmpty { text += "\nUNION ALL\n" + Self.laterFromSourcePart }
        if !byTarget.isEmpty { text += "\nUNION ALL\n" + Self.laterToTargetPart }
        let result = try await query(
            CypherQuery(
                text,
                [
                    ("ids", .list(entities.map { .string($0.description) })), ("known", .integer(knownAt.microseconds)),
                    ("valid", validBy.map { .integer($0.microseconds) } ?? .null), ("later", .list(laterOf.keys.sorted().map { .string($0) })),
                    ("bySource", .list(bySource.map { .string($0) })), ("byTarget", .list(byTarget.map { .string($0) })),
                ]),
            readOnly: true, scalars: true)
        var rows: [FactByIDs] = []
        var seen = Set<Int64>()
        var index = LaterFactIndex()
        // (relation, side, entity) whose facts the read holds in full: the frontier's (part 0) and the other entities' (parts 1, 2).
        let frontier = Set(entities)
        var read = Set<HeldSide>()
        for row in result.rows {
            guard row.count == 9, let part = row[0].integer, let edge = row[1].integer, let relation = row[2].string, let validAt = row[5].integer else {
                throw FalkorDBStoreError.unexpectedReply(reason: "an APEX_FACT edge lacks its relation or times")
            }
            let valid = Timestamp(microseconds: validAt)
            switch part {
            case 1:
                guard let from = row[3].string.flatMap(EntityID.init) else { throw FalkorDBStoreError.unexpectedReply(reason: "an Entity node lacks its uuid") }
                read.insert(HeldSide(relation: relation, side: .from, entity: from))
                index.add(relation: relation, side: .from, entity: from, validAt: valid)
            case 2:
                guard let to = row[4].string.flatMap(EntityID.init) else { throw FalkorDBStoreError.unexpectedReply(reason: "an Entity node lacks its uuid") }
                read.insert(HeldSide(relation: relation, side: .to, entity: to))
                index.add(relation: relation, side: .to, entity: to, validAt: valid)
            default:
                // An edge between two of the entities comes once per end.
                guard seen.insert(edge).inserted else { continue }
                guard let recordedAt = row[7].integer else { throw FalkorDBStoreError.unexpectedReply(reason: "an APEX_FACT edge lacks its times") }
                guard let from = row[3].string.flatMap(EntityID.init), let to = row[4].string.flatMap(EntityID.init) else {
                    throw FalkorDBStoreError.unexpectedReply(reason: "an Entity node lacks its uuid")
                }
                if laterOf[relation] != nil {
                    if frontier.contains(from) { index.add(relation: relation, side: .from, entity: from, validAt: valid) }
                    if frontier.contains(to) { index.add(relation: relation, side: .to, entity: to, validAt: valid) }
                }
                rows.append(
                    FactByIDs(
                        relation: relation, from: from, to: to, validAt: valid, invalidAt: row[6].integer.map(Timestamp.init(microseconds:)),
                        recordedAt: Timestamp(microseconds: recordedAt), fact: nil))
            }
        }
        index.sort()
        let holds = { (relation: String, side: FactSide, entity: EntityID) in
            frontier.contains(entity) || read.contains(HeldSide(relation: relation, side: side, entity: entity))
        }
        let endRefs = try await refs(of: rows.flatMap { [$0.from, $0.to] })
        return try rows.map { row in
            guard let cardinality = laterOf[row.relation],
                // Only when every bounded side is held in full; otherwise the engine asks.
                !cardinality.supersedesBySource || holds(row.relation, .from, row.from),
                !cardinality.supersedesByTarget || holds(row.relation, .to, row.to)
            else { return try row.resolved(endRefs) }
            return try row.resolved(
                endRefs,
                later: LaterFacts(
                    fromSource: cardinality.supersedesBySource
                        ? index.earliest(relation: row.relation, side: .from, entity: row.from, after: row.validAt) : nil,
                    toTarget: cardinality.supersedesByTarget
                        ? index.earliest(relation: row.relation, side: .to, entity: row.to, after: row.validAt) : nil))
        }
    }

    /// The facts touching the entities: valid by `$valid` (when given) unless of a relation in `$later`; without their
    /// text, which traversals do not show (projecting it was a ninth of the columns FalkorDB builds per edge).
    static let touchingFactsPart = """
        UNWIND $ids AS id
        MATCH (:Entity {uuid: id})-[f:APEX_FACT]-(:Entity)
        WHERE f.recorded_at <= $known AND ($valid IS NULL OR f.valid_at <= $valid OR f.relation IN $later)
        WITH f, startNode(f) AS a, endNode(f) AS b
        RETURN 0 AS part, id(f) AS edge, f.relation AS relation, a.uuid AS a_id, b.uuid AS b_id, f.valid_at AS valid_at,
            f.invalid_at AS invalid_at, f.recorded_at AS recorded_at, null AS fact
        """

    /// For each fact into an entity of a relation bounded by source: every fact of that relation from its source.
    static let laterFromSourcePart = """
        UNWIND $ids AS id
        MATCH (:Entity {uuid: id})<-[f:APEX_FACT]-(o:Entity)
        WHERE f.relation IN $bySource AND f.recorded_at <= $known AND ($valid IS NULL OR f.valid_at <= $valid)
        WITH DISTINCT o, f.relation AS r
        MATCH (o)-[n:APEX_FACT]->(:Entity)
        WHERE n.relation = r AND n.recorded_at <= $known
        RETURN 1 AS part, id(n) AS edge, n.relation AS relation, o.uuid AS a_id, null AS b_id, n.valid_at AS valid_at,
            null AS invalid_at, null AS recorded_at, null AS fact
        """

    /// For each fact from an entity of a relation bounded by target: every fact of that relation to its target.
    static let laterToTargetPart = """
        UNWIND $ids AS id
        MATCH (:Entity {uuid: id})-[f:APEX_FACT]->(o:Entity)
        WHERE f.relation IN $byTarget AND f.recorded_at <= $known AND ($valid IS NULL OR f.valid_at <= $valid)
        WITH DISTINCT o, f.relation AS r
        MATCH (:Entity)-[n:APEX_FACT]->(o)
        WHERE n.relation = r AND n.recorded_at <= $known
        RETURN 2 AS part, id(n) AS edge, n.relation AS relation, null AS a_id, o.uuid AS b_id, n.valid_at AS valid_at,
            null AS invalid_at, null AS recorded_at, null AS fact
        """

    /// A relation on one side of an entity whose facts a read holds in full.
    private struct HeldSide: Hashable {
        let relation: String
        let side: FactSide
        let entity: EntityID
    }
}
