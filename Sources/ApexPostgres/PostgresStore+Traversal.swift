public import ApexCore
public import ApexPorts
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    /// One level of a traversal in one prepared statement: facts (with the later facts of the superseding relations) and
    /// ends in one result, by id; the ends' types and keys come from ``EntityRefCache``, and from one more read for ids it lacks.
    public func relations(touchingAny entities: [EntityID], knownAt: Timestamp, validBy: Timestamp?, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations
    {
        guard !entities.isEmpty else { return TouchingRelations(facts: [], ends: []) }
        let statement = TouchingRelationsStatement(
            ids: entities.map(\.uuid), knownAt: knownAt.microseconds, bySource: laterOf.filter { $0.value.supersedesBySource }.map(\.key),
            validBy: validBy?.microseconds, byTarget: laterOf.filter { $0.value.supersedesByTarget }.map(\.key))
        return try await relations(statement, laterOf: laterOf)
    }

    func relations(_ statement: TouchingRelationsStatement, laterOf: [String: Cardinality]) async throws -> TouchingRelations {
        let (rows, refs) = try await onConnection { [entityRefs] connection, logger in
            let rows = try await Array(connection.execute(statement, logger: logger))
            var ids = Set<EntityID>()
            for row in rows where !row.isEnd {
                ids.insert(row.from)
                ids.insert(row.to)
            }
            var (refs, missing) = entityRefs.lookUp(ids)
            if !missing.isEmpty {
                let found = try await Self.entityRefs(connection, missing, logger)
                entityRefs.remember(found)
                refs.merge(found) { kept, _ in kept }
            }
            return (rows, refs)
        }
        var facts: [FactVersion] = []
        var ends: [FactEnd] = []
        for row in rows {
            if row.isEnd {
                guard let invalidAt = row.invalidAt else { throw PostgresStoreError.corruptRow(reason: "an end record has no invalid_at") }
                ends.append(FactEnd(relation: row.relation, from: row.from, to: row.to, invalidAt: invalidAt, recordedAt: row.recordedAt))
                continue
            }
            guard let fromRef = refs[row.from], let toRef = refs[row.to], let validAt = row.validAt else {
                throw PostgresStoreError.corruptRow(reason: "a fact refers to an entity id the entities table lacks")
            }
            facts.append(
                FactVersion(
                    relation: row.relation, from: EntityHandle(id: row.from, ref: fromRef), to: EntityHandle(id: row.to, ref: toRef),
                    validAt: validAt, invalidAt: row.invalidAt, recordedAt: row.recordedAt, fact: row.fact,
                    later: laterOf[row.relation] != nil ? LaterFacts(fromSource: row.laterFromSource, toTarget: row.laterToTarget) : nil))
        }
        return TouchingRelations(facts: facts, ends: ends)
    }

    /// The types and keys of `ids`, in one statement.
    static func entityRefs(_ connection: PostgresConnection, _ ids: [EntityID], _ logger: Logger) async throws -> [EntityID: EntityRef] {
        let query: PostgresQuery = "SELECT id, type, key FROM entities WHERE id = ANY(\(ids.map(\.uuid)))"
        var found: [EntityID: EntityRef] = [:]
        for try await (id, type, key) in try await connection.query(query, logger: logger).decode((UUID, String, String).self) {
            found[EntityID(uuid: id)] = EntityRef(type: type, key: key)
        }
        return found
    }
}

/// One row of ``TouchingRelationsStatement``: a fact version or an end record, by entity ids.
struct TouchingRelationRow: Sendable {
    let isEnd: Bool
    let relation: String
    let from: EntityID
    let to: EntityID
    /// Nil for an end.
    let validAt: Timestamp?
    /// An end's time, or a fact's explicit `invalid_at`.
    let invalidAt: Timestamp?
    let recordedAt: Timestamp
    let fact: String?
    let laterFromSource: Timestamp?
    let laterToTarget: Timestamp?
}

/// The facts and ends touching any of $1, recorded by $2, each once; facts of the relations in $3 with their later facts
/// from the same source, those in $5 with their later facts to the same target; with $4, only facts valid by $4 and the
/// ends that do not close a fact valid after it (see `GraphStore.relations`).
///
/// Later facts are found through the primary key (source side) and `facts_by_target` (target side), and only for the
/// relations and the side on which a later fact can supersede: for the others the probes would cost more than the read.
struct TouchingRelationsStatement: PostgresPreparedStatement {
    static let name = "apex_touching_relations_v2"
    static let sql = """
        WITH mine AS (
            SELECT relation, from_id, to_id, valid_at, invalid_at, recorded_at, fact FROM facts
            WHERE from_id = ANY($1) AND recorded_at <= $2 AND ($4::bigint IS NULL OR valid_at <= $4)
            UNION ALL
            SELECT relation, from_id, to_id, valid_at, invalid_at, recorded_at, fact FROM facts
            WHERE to_id = ANY($1) AND NOT from_id = ANY($1) AND recorded_at <= $2 AND ($4::bigint IS NULL OR valid_at <= $4)
        ), closing AS (
            SELECT relation, from_id, to_id, invalid_at, recorded_at FROM fact_ends WHERE from_id = ANY($1) AND recorded_at <= $2
            UNION ALL
            SELECT relation, from_id, to_id, invalid_at, recorded_at FROM fact_ends
            WHERE to_id = ANY($1) AND NOT from_id = ANY($1) AND recorded_at <= $2
        )
        SELECT false, f.relation, f.from_id, f.to_id, f.valid_at, f.invalid_at, f.recorded_at, f.fact,
            CASE WHEN f.relation = ANY($3) THEN (SELECT min(n.valid_at) FROM facts n WHERE n.from_id = f.from_id AND n.relation = f.relation
                AND n.valid_at > f.valid_at AND n.recorded_at <= $2) END,
            CASE WHEN f.relation = ANY($5) THEN (SELECT min(n.valid_at) FROM facts n WHERE n.to_id = f.to_id AND n.relation = f.relation
                AND n.valid_at > f.valid_at AND n.recorded_at <= $2) END
        FROM mine f
        UNION ALL
        SELECT true, x.relation, x.from_id, x.to_id, NULL, x.invalid_at, x.recorded_at, NULL, NULL, NULL FROM closing x
        WHERE NOT EXISTS (SELECT 1 FROM facts n WHERE n.from_id = x.from_id AND n.relation = x.relation AND n.to_id = x.to_id
            AND n.valid_at > $4 AND n.valid_at < x.invalid_at AND n.recorded_at <= $2)
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuidArray, .int8, .textArray, .int8, .textArray]
    typealias Row = TouchingRelationRow

    let ids: [UUID]
    let knownAt: Int64
    /// The relations a later fact from the same source supersedes ($3), and those a later fact to the same target does ($5).
    let bySource: [String]
    let validBy: Int64?
    let byTarget: [String]

    func makeBindings() throws -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(ids)
        binds.append(knownAt)
        binds.append(bySource)
        binds.append(validBy)
        binds.append(byTarget)
        return binds
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = row.makeIterator()
        let isEnd = try PostgresStore.cell(&cells, Bool.self)
        let relation = try PostgresStore.cell(&cells, String.self)
        let from = try PostgresStore.cell(&cells, UUID.self)
        let to = try PostgresStore.cell(&cells, UUID.self)
        let validAt = try PostgresStore.cell(&cells, Int64?.self)
        let invalidAt = try PostgresStore.cell(&cells, Int64?.self)
        let recordedAt = try PostgresStore.cell(&cells, Int64.self)
        let fact = try PostgresStore.cell(&cells, String?.self)
        let laterFromSource = try PostgresStore.cell(&cells, Int64?.self)
        let laterToTarget = try PostgresStore.cell(&cells, Int64?.self)
        return TouchingRelationRow(
            isEnd: isEnd, relation: relation, from: EntityID(uuid: from), to: EntityID(uuid: to), validAt: validAt.map(Timestamp.init(microseconds:)),
            invalidAt: invalidAt.map(Timestamp.init(microseconds:)), recordedAt: Timestamp(microseconds: recordedAt), fact: fact,
            laterFromSource: laterFromSource.map(Timestamp.init(microseconds:)), laterToTarget: laterToTarget.map(Timestamp.init(microseconds:)))
    }
}
