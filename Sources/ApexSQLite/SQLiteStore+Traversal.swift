public import ApexCore
public import ApexPorts
import GRDB

extension SQLiteStore {
    /// One level of a traversal in one read: the facts valid by `validBy` touching the entities, those of `laterOf` with
    /// their later facts, and the ends that may close them, by id; the ends' types and keys come from ``EntityRefCache``.
    public func relations(touchingAny entities: [EntityID], knownAt: Timestamp, validBy: Timestamp?, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations
    {
        guard !entities.isEmpty else { return TouchingRelations(facts: [], ends: []) }
        return try await pool.read { [entityRefs] db in
            try TraversalLevelRead(db: db, knownAt: knownAt, validBy: validBy, laterOf: laterOf).read(entities, refs: entityRefs)
        }
    }
}

/// The statements of one traversal level on SQLite, run inside one read transaction.
///
/// Rows carry entity ids only: joining `entities` twice per fact costs more
/// than the rest of the read, and an id's type and key never change.
struct TraversalLevelRead {
    let db: Database
    let knownAt: Timestamp
    let validBy: Timestamp?
    let laterOf: [String: Cardinality]

    /// Facts valid by ?3 from or to ?1 (to it only when it is not also the source), recorded by ?2.
    static let factsSQL = """
        SELECT relation, from_id, to_id, valid_at, invalid_at, recorded_at, fact FROM facts
        WHERE from_id = ?1 AND recorded_at <= ?2 AND valid_at <= ?3
        UNION ALL
        SELECT relation, from_id, to_id, valid_at, invalid_at, recorded_at, fact FROM facts
        WHERE to_id = ?1 AND from_id <> ?1 AND recorded_at <= ?2 AND valid_at <= ?3
        """

    /// Ends from or to ?1 recorded by ?2, except those that close an instance begun after ?3 (whose facts the read leaves out):
    /// matched against the facts read, such an end would close an earlier instance of its pair.
    static let endsSQL = """
        SELECT x.relation, x.from_id, x.to_id, x.invalid_at, x.recorded_at FROM fact_ends x
        WHERE x.from_id = ?1 AND x.recorded_at <= ?2
            AND NOT EXISTS (SELECT 1 FROM facts n WHERE n.from_id = x.from_id AND n.relation = x.relation AND n.valid_at > ?3
                AND n.valid_at < x.invalid_at AND n.to_id = x.to_id AND n.recorded_at <= ?2)
        UNION ALL
        SELECT x.relation, x.from_id, x.to_id, x.invalid_at, x.recorded_at FROM fact_ends x
        WHERE x.to_id = ?1 AND x.from_id <> ?1 AND x.recorded_at <= ?2
            AND NOT EXISTS (SELECT 1 FROM facts n WHERE n.from_id = x.from_id AND n.relation = x.relation AND n.valid_at > ?3
                AND n.valid_at < x.invalid_at AND n.to_id = x.to_id AND n.recorded_at <= ?2)
        """

    func read(_ entities: [EntityID], refs: EntityRefCache) throws -> TouchingRelations {
        let wanted = Set(entities)
        let bound = validBy?.microseconds ?? Int64.max
        let factStatement = try db.cachedStatement(sql: Self.factsSQL)
        let endStatement = try db.cachedStatement(sql: Self.endsSQL)
        var rows: [FactByIDs] = []
        var ends: [FactEnd] = []
        for entity in wanted {
            let arguments: StatementArguments = [entity.blob, knownAt.microseconds, bound]
            let facts = try Row.fetchCursor(factStatement, arguments: arguments)
            while let row = try facts.next() {
                let from = try EntityID(blob: row[1])
                // A fact between two of the entities is read from both: kept from its source.
                guard from == entity || !wanted.contains(from) else { continue }
                let invalidAt: Int64? = row[4]
                rows.append(
                    FactByIDs(
                        relation: row[0], from: from, to: try EntityID(blob: row[2]), validAt: Timestamp(microseconds: row[3]),
                        invalidAt: invalidAt.map(Timestamp.init(microseconds:)), recordedAt: Timestamp(microseconds: row[5]), fact: row[6]))
            }
            let closing = try Row.fetchCursor(endStatement, arguments: arguments)
            while let row = try closing.next() {
                let from = try EntityID(blob: row[1])
                guard from == entity || !wanted.contains(from) else { continue }
                ends.append(
                    FactEnd(
                        relation: row[0], from: from, to: try EntityID(blob: row[2]), invalidAt: Timestamp(microseconds: row[3]),
                        recordedAt: Timestamp(microseconds: row[4])))
            }
        }
        let handles = try self.refs(of: rows, cache: refs)
        let later = try LaterFactReader(db: db, knownAt: knownAt)
        var facts: [FactVersion] = []
        facts.reserveCapacity(rows.count)
        for row in rows {
            var laterFacts: LaterFacts?
            if let cardinality = laterOf[row.relation] {
                laterFacts = LaterFacts(
                    fromSource: cardinality.supersedesBySource
                        ? try later.earliest(relation: row.relation, side: .from, entity: row.from, after: row.validAt) : nil,
                    toTarget: cardinality.supersedesByTarget
                        ? try later.earliest(relation: row.relation, side: .to, entity: row.to, after: row.validAt) : nil)
            }
            guard let version = row.version(handles, later: laterFacts) else {
                throw SQLiteStoreError.corruptRow(reason: "a fact refers to an entity id the entities table lacks")
            }
            facts.append(version)
        }
        return TouchingRelations(facts: facts, ends: ends)
    }

    /// The types and keys of the rows' ends: from the cache, the rest read by id (and remembered).
    private func refs(of rows: [FactByIDs], cache: EntityRefCache) throws -> [EntityID: EntityRef] {
        var ids: [EntityID] = []
        ids.reserveCapacity(rows.count * 2)
        for row in rows {
            ids.append(row.from)
            ids.append(row.to)
        }
        var (known, missing) = cache.lookUp(ids)
        guard !missing.isEmpty else { return known }
        let statement = try db.cachedStatement(sql: "SELECT type, key FROM entities WHERE id = ?")
        var found: [EntityID: EntityRef] = [:]
        for id in missing {
            guard let row = try Row.fetchOne(statement, arguments: [id.blob]) else { continue }
            found[id] = EntityRef(type: row[0], key: row[1])
        }
        cache.remember(found)
        known.merge(found) { kept, _ in kept }
        return known
    }
}

/// The earliest later fact on one side of a relation (what supersedes an instance under its cardinality), by the indexes.
struct LaterFactReader {
    private let fromSource: Statement
    private let toTarget: Statement
    private let knownAt: Timestamp

    init(db: Database, knownAt: Timestamp) throws {
        fromSource = try db.cachedStatement(
            sql: "SELECT min(valid_at) FROM facts WHERE from_id = ? AND relation = ? AND valid_at > ? AND recorded_at <= ?")
        toTarget = try db.cachedStatement(sql: "SELECT min(valid_at) FROM facts WHERE to_id = ? AND relation = ? AND valid_at > ? AND recorded_at <= ?")
        self.knownAt = knownAt
    }

    func earliest(relation: String, side: FactSide, entity: EntityID, after: Timestamp) throws -> Timestamp? {
        let arguments: StatementArguments = [entity.blob, relation, after.microseconds, knownAt.microseconds]
        return try Int64.fetchOne(side == .from ? fromSource : toTarget, arguments: arguments).map(Timestamp.init(microseconds:))
    }
}
