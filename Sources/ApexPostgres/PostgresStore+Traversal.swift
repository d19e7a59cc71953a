public import ApexCore
public import ApexPorts
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    /// One level of a traversal in one prepared statement: facts without their text (with the later facts of the superseding
    /// relations) and ends in one result, by id; the ends' types and keys come from ``EntityRefCache``, and from one more read for ids it lacks.
    public func relations(touchingAny entities: [EntityID], knownAt: Timestamp, validBy: Timestamp?, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations
    {
        guard !entities.isEmpty else { return TouchingRelations(facts: [], ends: []) }
        let statement = TouchingRelationsStatement(
            ids: entities.map(\.uuid), knownAt: knownAt.microseconds, bySource: Self.relations(laterOf, where: \.supersedesBySource),
            validBy: validBy?.microseconds, byTarget: Self.relations(laterOf, where: \.supersedesByTarget))
        return try await relations(statement, laterOf: laterOf)
    }

    /// The second level from `ref` in one statement: ``TouchingRelationsStatement`` over the entities at the other end of its facts.
    public func relations(twoStepsFrom ref: EntityRef, knownAt: Timestamp, validBy: Timestamp, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations?
    {
        // No stored type or key has NUL (the record decoder refuses it); PostgreSQL could not even compare it.
        if ref.type.containsNUL || ref.key.containsNUL { return nil }
        let statement = TwoStepsStatement(
            type: ref.type, key: ref.key, knownAt: knownAt.microseconds, bySource: Self.relations(laterOf, where: \.supersedesBySource),
            validBy: validBy.microseconds, byTarget: Self.relations(laterOf, where: \.supersedesByTarget))
        let (row, refs) = try await onConnection { [entityRefs] connection, logger in
            guard let row = try await Array(connection.execute(statement, logger: logger)).first else {
                throw PostgresStoreError.corruptRow(reason: "the two-steps traversal query returned no row")
            }
            return (row, try await Self.refs(of: row.columns, entityRefs, connection, logger))
        }
        guard row.found else { return nil }
        return try row.columns.relations(refs: refs, laterOf: laterOf)
    }

    func relations(_ statement: TouchingRelationsStatement, laterOf: [String: Cardinality]) async throws -> TouchingRelations {
        let (columns, refs) = try await onConnection { [entityRefs] connection, logger in
            guard let columns = try await Array(connection.execute(statement, logger: logger)).first else {
                throw PostgresStoreError.corruptRow(reason: "the traversal level query returned no row")
            }
            return (columns, try await Self.refs(of: columns, entityRefs, connection, logger))
        }
        return try columns.relations(refs: refs, laterOf: laterOf)
    }

    /// The relations of `laterOf` whose cardinality supersedes on the side `side` names (the level statements' $3 and $5).
    static func relations(_ laterOf: [String: Cardinality], where side: (Cardinality) -> Bool) -> [String] {
        laterOf.filter { side($0.value) }.map(\.key)
    }

    /// The types and keys of the facts' entities: from ``EntityRefCache``, and from one more read for ids it lacks.
    static func refs(of columns: TouchingRelationColumns, _ entityRefs: EntityRefCache, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> [EntityID: EntityRef]
    {
        var ids = Set(columns.from)
        ids.formUnion(columns.to)
        var (refs, missing) = entityRefs.lookUp(ids)
        if !missing.isEmpty {
            let found = try await Self.entityRefs(connection, missing, logger)
            entityRefs.remember(found)
            refs.merge(found) { kept, _ in kept }
        }
        return refs
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

/// The one row of ``TouchingRelationsStatement``: the facts and the end records as parallel arrays, by entity ids.
///
/// One row of arrays rather than a row per fact: decoding a row costs PostgresNIO far more than decoding an array
/// element, and a level returns hundreds of facts. Arrays hold no NULL here (PostgresNIO decodes none): a missing time
/// is ``TouchingRelationColumns/none``, which no stored time equals.
struct TouchingRelationColumns: Sendable {
    /// Stands for a NULL time in the arrays: `Int64.min` microseconds lies some 292,000 years before the epoch.
    static let none = Int64.min

    let relation: [String]
    let from: [EntityID]
    let to: [EntityID]
    let validAt: [Int64]
    let invalidAt: [Int64]
    let recordedAt: [Int64]
    let laterFromSource: [Int64]
    let laterToTarget: [Int64]
    let endRelation: [String]
    let endFrom: [EntityID]
    let endTo: [EntityID]
    let endInvalidAt: [Int64]
    let endRecordedAt: [Int64]

    /// The facts, with the ends' handles from `refs` and their later facts where `laterOf` names their relation, and the ends.
    func relations(refs: [EntityID: EntityRef], laterOf: [String: Cardinality]) throws -> TouchingRelations {
        let factCount = relation.count
        guard [from.count, to.count, validAt.count, invalidAt.count, recordedAt.count, laterFromSource.count, laterToTarget.count]
            .allSatisfy({ $0 == factCount }),
            [endFrom.count, endTo.count, endInvalidAt.count, endRecordedAt.count].allSatisfy({ $0 == endRelation.count })
        else { throw PostgresStoreError.corruptRow(reason: "the traversal level query returned arrays of different lengths") }
        var facts: [FactVersion] = []
        facts.reserveCapacity(factCount)
        for index in 0..<factCount {
            guard let fromRef = refs[from[index]], let toRef = refs[to[index]] else {
                throw PostgresStoreError.corruptRow(reason: "a fact refers to an entity id the entities table lacks")
            }
            let later = laterOf[relation[index]] != nil
                ? LaterFacts(fromSource: Self.time(laterFromSource[index]), toTarget: Self.time(laterToTarget[index])) : nil
            facts.append(
                FactVersion(
                    relation: relation[index], from: EntityHandle(id: from[index], ref: fromRef), to: EntityHandle(id: to[index], ref: toRef),
                    validAt: Timestamp(microseconds: validAt[index]), invalidAt: Self.time(invalidAt[index]),
                    recordedAt: Timestamp(microseconds: recordedAt[index]), fact: nil, later: later))
        }
        let ends = endRelation.indices.map { index in
            FactEnd(
                relation: endRelation[index], from: endFrom[index], to: endTo[index], invalidAt: Timestamp(microseconds: endInvalidAt[index]),
                recordedAt: Timestamp(microseconds: endRecordedAt[index]))
        }
        return TouchingRelations(facts: facts, ends: ends)
    }

    private static func time(_ microseconds: Int64) -> Timestamp? {
        microseconds == none ? nil : Timestamp(microseconds: microseconds)
    }
}

/// The facts and ends touching any of $1, recorded by $2, each once; facts of the relations in $3 with their later facts
/// from the same source, those in $5 with their later facts to the same target; with $4, only facts valid by $4 and the
/// ends that do not close a fact valid after it (see `GraphStore.relations`). One row of arrays (``TouchingRelationColumns``).
///
/// The facts come from `facts_by_source_valid` and `facts_by_target_valid` alone (index-only scans bounded by $4), so
/// without their text, which traversals do not show. Later facts are found through the primary key (source side) and
/// `facts_by_target` (target side), and only for the relations and the side on which a later fact can supersede: for the
/// others the probes would cost more than the read.
struct TouchingRelationsStatement: PostgresPreparedStatement {
    static let name = "apex_touching_relations_v3"
    static let sql = """
        WITH mine AS (
            SELECT relation, from_id, to_id, valid_at, invalid_at, recorded_at FROM facts
            WHERE from_id = ANY($1) AND valid_at <= coalesce($4::bigint, 9223372036854775807) AND recorded_at <= $2
            UNION ALL
            SELECT relation, from_id, to_id, valid_at, invalid_at, recorded_at FROM facts
            WHERE to_id = ANY($1) AND valid_at <= coalesce($4::bigint, 9223372036854775807) AND NOT from_id = ANY($1) AND recorded_at <= $2
        ), closing AS (
            SELECT relation, from_id, to_id, invalid_at, recorded_at FROM fact_ends WHERE from_id = ANY($1) AND recorded_at <= $2
            UNION ALL
            SELECT relation, from_id, to_id, invalid_at, recorded_at FROM fact_ends
            WHERE to_id = ANY($1) AND NOT from_id = ANY($1) AND recorded_at <= $2
        ), fact_rows AS (
            SELECT f.relation, f.from_id, f.to_id, f.valid_at, coalesce(f.invalid_at, '\(none)'::bigint) AS invalid_at, f.recorded_at,
                coalesce(CASE WHEN f.relation = ANY($3) THEN (SELECT min(n.valid_at) FROM facts n WHERE n.from_id = f.from_id
                    AND n.relation = f.relation AND n.valid_at > f.valid_at AND n.recorded_at <= $2) END, '\(none)'::bigint) AS later_from_source,
                coalesce(CASE WHEN f.relation = ANY($5) THEN (SELECT min(n.valid_at) FROM facts n WHERE n.to_id = f.to_id
                    AND n.relation = f.relation AND n.valid_at > f.valid_at AND n.recorded_at <= $2) END, '\(none)'::bigint) AS later_to_target
            FROM mine f
        ), end_rows AS (
            SELECT x.relation, x.from_id, x.to_id, x.invalid_at, x.recorded_at FROM closing x
            WHERE NOT EXISTS (SELECT 1 FROM facts n WHERE n.from_id = x.from_id AND n.relation = x.relation AND n.to_id = x.to_id
                AND n.valid_at > $4 AND n.valid_at < x.invalid_at AND n.recorded_at <= $2)
        )
        SELECT f.*, e.* FROM
            (SELECT coalesce(array_agg(relation), '{}'), coalesce(array_agg(from_id), '{}'), coalesce(array_agg(to_id), '{}'),
                coalesce(array_agg(valid_at), '{}'), coalesce(array_agg(invalid_at), '{}'), coalesce(array_agg(recorded_at), '{}'),
                coalesce(array_agg(later_from_source), '{}'), coalesce(array_agg(later_to_target), '{}') FROM fact_rows) f,
            (SELECT coalesce(array_agg(relation), '{}'), coalesce(array_agg(from_id), '{}'), coalesce(array_agg(to_id), '{}'),
                coalesce(array_agg(invalid_at), '{}'), coalesce(array_agg(recorded_at), '{}') FROM end_rows) e
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuidArray, .int8, .textArray, .int8, .textArray]
    typealias Row = TouchingRelationColumns
    private static let none = TouchingRelationColumns.none

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
        return try Self.decodeColumns(&cells)
    }

    /// The thirteen array columns of the statement's row, from `cells`.
    static func decodeColumns(_ cells: inout PostgresRow.Iterator) throws -> TouchingRelationColumns {
        func ids() throws -> [EntityID] { try PostgresStore.cell(&cells, [UUID].self).map(EntityID.init(uuid:)) }
        func times() throws -> [Int64] { try PostgresStore.cell(&cells, [Int64].self) }
        return TouchingRelationColumns(
            relation: try PostgresStore.cell(&cells, [String].self), from: try ids(), to: try ids(), validAt: try times(), invalidAt: try times(),
            recordedAt: try times(), laterFromSource: try times(), laterToTarget: try times(),
            endRelation: try PostgresStore.cell(&cells, [String].self), endFrom: try ids(), endTo: try ids(), endInvalidAt: try times(),
            endRecordedAt: try times())
    }
}

/// ``TouchingRelationsStatement`` over the entities at the other end of the facts of the entity with type $1 and key $6
/// valid by $4 and recorded by $2 (``PostgresStore/relations(twoStepsFrom:knownAt:validBy:laterOf:)``), with whether that
/// entity exists as a last column.
struct TwoStepsStatement: PostgresPreparedStatement {
    static let name = "apex_two_steps_v1"
    static let sql = """
        WITH start AS (SELECT id FROM entities WHERE type = $1 AND key = $6),
        around AS (
            SELECT coalesce(array_agg(DISTINCT other), '{}') AS ids FROM (
                SELECT f.to_id AS other FROM facts f JOIN start s ON f.from_id = s.id WHERE f.valid_at <= $4 AND f.recorded_at <= $2
                UNION ALL
                SELECT f.from_id FROM facts f JOIN start s ON f.to_id = s.id WHERE f.valid_at <= $4 AND f.recorded_at <= $2) o
        ), \(TouchingRelationsStatement.sql.dropFirst("WITH ".count).replacingOccurrences(of: "ANY($1)", with: "ANY((SELECT ids FROM around)::uuid[])")
            .replacingOccurrences(of: "SELECT f.*, e.* FROM", with: "SELECT f.*, e.*, s.* FROM")),
            (SELECT EXISTS (SELECT 1 FROM start)) s
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .int8, .textArray, .int8, .textArray, .text]
    typealias Row = (columns: TouchingRelationColumns, found: Bool)

    let type: String
    let key: String
    let knownAt: Int64
    let bySource: [String]
    let validBy: Int64
    let byTarget: [String]

    func makeBindings() throws -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(type)
        binds.append(knownAt)
        binds.append(bySource)
        binds.append(validBy)
        binds.append(byTarget)
        binds.append(key)
        return binds
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = row.makeIterator()
        let columns = try TouchingRelationsStatement.decodeColumns(&cells)
        return (columns, try PostgresStore.cell(&cells, Bool.self))
    }
}
