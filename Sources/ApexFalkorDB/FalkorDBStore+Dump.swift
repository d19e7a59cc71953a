public import ApexCore
public import ApexPorts

/// Row-for-row reads for `apex export` and a move's backfill: every recorded time, with the records' sources.
extension FalkorDBStore {
    /// Every `APEX_FACT` and `APEX_END` edge leaving one of `entities`; the `recorded_at <= $known` filter (with no bound)
    /// is there so that a saga-filtered view (``reading(as:)``) leaves out what unfinished sagas wrote.
    public func dumpedRelations(from entities: [EntityID]) async throws -> DumpedRelations {
        guard !entities.isEmpty else { return DumpedRelations(facts: [], ends: []) }
        var dumped = DumpedRelations(facts: [], ends: [])
        for batch in entities.chunked(Self.batchSize) {
            let ids: CypherValue = .list(batch.map { .string($0.description) })
            let facts = try await query(
                CypherQuery(
                    """
                    UNWIND $ids AS id
                    MATCH (a:Entity {uuid: id})-[f:APEX_FACT]->(b:Entity)
                    WHERE f.recorded_at <= $known
                    RETURN f.relation, a.uuid, a.apex_type, a.apex_key, b.uuid, b.apex_type, b.apex_key, f.valid_at, f.invalid_at, f.recorded_at,
                        f.fact, f.source
                    """, [("ids", ids), ("known", .integer(Int64.max))]),
                readOnly: true, scalars: true)
            for row in facts.rows {
                guard row.count == 12, let relation = row[0].string, let validAt = row[7].integer, let recordedAt = row[9].integer else {
                    throw FalkorDBStoreError.unexpectedReply(reason: "an APEX_FACT edge lacks its relation or times")
                }
                let fact = FactVersion(
                    relation: relation, from: try Self.handle(row[1], row[2], row[3]), to: try Self.handle(row[4], row[5], row[6]),
                    validAt: Timestamp(microseconds: validAt), invalidAt: row[8].integer.map(Timestamp.init(microseconds:)),
                    recordedAt: Timestamp(microseconds: recordedAt), fact: row[10].string)
                dumped.facts.append(DumpedFact(fact: fact, source: row[11].string))
            }
            let ends = try await query(
                CypherQuery(
                    """
                    UNWIND $ids AS id
                    MATCH (a:Entity {uuid: id})-[x:APEX_END]->(b:Entity)
                    WHERE x.recorded_at <= $known
                    RETURN x.relation, a.uuid, b.uuid, x.invalid_at, x.recorded_at, x.source
                    """, [("ids", ids), ("known", .integer(Int64.max))]),
                readOnly: true, scalars: true)
            for row in ends.rows {
                guard row.count == 6, let relation = row[0].string, let from = row[1].string.flatMap(EntityID.init),
                    let to = row[2].string.flatMap(EntityID.init), let invalidAt = row[3].integer, let recordedAt = row[4].integer
                else {
                    throw FalkorDBStoreError.unexpectedReply(reason: "an APEX_END edge lacks its relation, ends or times")
                }
                let end = FactEnd(
                    relation: relation, from: from, to: to, invalidAt: Timestamp(microseconds: invalidAt), recordedAt: Timestamp(microseconds: recordedAt))
                dumped.ends.append(DumpedEnd(end: end, source: row[5].string))
            }
        }
        return dumped
    }
}
