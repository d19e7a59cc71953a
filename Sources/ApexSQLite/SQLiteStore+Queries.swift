public import ApexCore
public import ApexPorts
import Foundation
import GRDB

extension SQLiteStore {
    public func snapshot(of ref: EntityRef, property: String?, includeFacts: Bool, knownAt: Timestamp) async throws -> EntitySnapshot {
        let key = SnapshotCache.Key(ref: ref, property: property, includeFacts: includeFacts)
        let version = try cache.currentVersion()
        if let watermark = cache.watermark(at: version), watermark.map({ knownAt >= $0 }) ?? true,
            let cached = cache.snapshot(key, at: version)
        {
            return cached
        }
        // On GRDB's reader queues, never on the caller's thread: a request's task must not hold one of the few cooperative threads.
        var (snapshot, watermark) = try await pool.read { db in
            let watermark = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max_recorded_at FROM store_watermark WHERE id = 1"))
            var snapshot = try Self.snapshot(db, ref, property: property, includeFacts: includeFacts, knownAt: knownAt)
            // Facts kept in another store: which sagas' writes there are not to be seen, as of this same read.
            if !includeFacts { snapshot.sagaVisibility = try Self.sagaVisibility(db) }
            return (snapshot, watermark)
        }
        let newest = watermark.map(Timestamp.init(microseconds:))
        cache.setWatermark(newest, at: version)
        // Seeing every row, this snapshot is the same for any later known_at: keep it.
        if newest.map({ knownAt >= $0 }) ?? true {
            snapshot.seesEveryRow = true
            cache.store(snapshot, for: key, at: version)
        }
        return snapshot
    }

    static func snapshot(_ db: Database, _ ref: EntityRef, property: String?, includeFacts: Bool, knownAt: Timestamp) throws -> EntitySnapshot {
        let source = try String.fetchOne(db.cachedStatement(sql: "SELECT source FROM ontology WHERE id = 1"))
        guard let handle = try entity(db, ref) else {
            return EntitySnapshot(ontologySource: source, entity: nil, versions: [], facts: [], ends: [])
        }
        let versions = try propertyVersions(db, handle.id, property: property, knownAt: knownAt)
        guard includeFacts else {
            return EntitySnapshot(ontologySource: source, entity: handle, versions: versions, facts: [], ends: [])
        }
        let facts = try facts(db, handle.id, knownAt: knownAt)
        let ends = facts.isEmpty ? [] : try ends(db, handle.id, knownAt: knownAt)
        return EntitySnapshot(ontologySource: source, entity: handle, versions: versions, facts: facts, ends: ends)
    }

    public func propertyVersions(of entity: EntityID, property: String?, knownAt: Timestamp) async throws -> [PropertyVersion] {
        try await pool.read { db in try Self.propertyVersions(db, entity, property: property, knownAt: knownAt) }
    }

    /// In one read transaction, through the index of each entity.
    public func propertyVersions(ofAny entities: [EntityID], knownAt: Timestamp) async throws -> [EntityID: [PropertyVersion]] {
        try await pool.read { db in
            var found: [EntityID: [PropertyVersion]] = [:]
            for entity in Set(entities) { found[entity] = try Self.propertyVersions(db, entity, property: nil, knownAt: knownAt) }
            return found
        }
    }

    public func facts(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactVersion] {
        try await pool.read { db in try Self.facts(db, entity, knownAt: knownAt) }
    }

    public func ends(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactEnd] {
        try await pool.read { db in try Self.ends(db, entity, knownAt: knownAt) }
    }

    public func facts(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactVersion] {
        try await pool.read { db in
            // One read: each entity's facts through the indexes, a fact between two of them once.
            let wanted = Set(entities)
            var facts: [FactVersion] = []
            for entity in wanted {
                facts += try Self.facts(db, entity, knownAt: knownAt, withLater: false).filter { $0.from.id == entity || !wanted.contains($0.from.id) }
            }
            return facts
        }
    }

    public func ends(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactEnd] {
        try await pool.read { db in
            let wanted = Set(entities)
            var ends: [FactEnd] = []
            for entity in wanted {
                ends += try Self.ends(db, entity, knownAt: knownAt).filter { $0.from == entity || !wanted.contains($0.from) }
            }
            return ends
        }
    }

    public func earliestFact(relation: String, side: FactSide, entity: EntityID, after: Timestamp, knownAt: Timestamp) async throws -> Timestamp? {
        try await earliestFacts([LaterFactProbe(relation: relation, side: side, entity: entity, after: after)], knownAt: knownAt).first ?? nil
    }

    public func earliestFacts(_ probes: [LaterFactProbe], knownAt: Timestamp) async throws -> [Timestamp?] {
        try await pool.read { db in
            let later = try LaterFactReader(db: db, knownAt: knownAt)
            return try probes.map { try later.earliest(relation: $0.relation, side: $0.side, entity: $0.entity, after: $0.after) }
        }
    }

    /// The entity whose id, type and key are the row's columns `index`, `index + 1` and `index + 2`.
    static func handle(_ row: Row, at index: Int) throws -> EntityHandle {
        EntityHandle(id: try EntityID(blob: row[index]), ref: EntityRef(type: row[index + 1], key: row[index + 2]))
    }

    static func entity(_ db: Database, _ ref: EntityRef) throws -> EntityHandle? {
        let statement = try db.cachedStatement(sql: "SELECT id FROM entities WHERE type = ? AND key = ?")
        return try Data.fetchOne(statement, arguments: [ref.type, ref.key]).map { EntityHandle(id: try EntityID(blob: $0), ref: ref) }
    }

    static func propertyVersions(_ db: Database, _ entity: EntityID, property: String?, knownAt: Timestamp) throws -> [PropertyVersion] {
        let statement: Statement
        let arguments: StatementArguments
        if let property {
            statement = try db.cachedStatement(
                sql: """
                    SELECT property, valid_at, recorded_at, value FROM property_versions
                    WHERE entity_id = ? AND property = ? AND recorded_at <= ?
                    """)
            arguments = [entity.blob, property, knownAt.microseconds]
        } else {
            statement = try db.cachedStatement(
                sql: "SELECT property, valid_at, recorded_at, value FROM property_versions WHERE entity_id = ? AND recorded_at <= ?")
            arguments = [entity.blob, knownAt.microseconds]
        }
        var versions: [PropertyVersion] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() {
            versions.append(
                PropertyVersion(
                    property: row[0], validAt: Timestamp(microseconds: row[1]), recordedAt: Timestamp(microseconds: row[2]), value: row[3]))
        }
        return versions
    }

    /// The entity's fact versions; `withLater` adds to each the earliest later facts that may supersede it (a traversal asks only for the bounded ones).
    static func facts(_ db: Database, _ entity: EntityID, knownAt: Timestamp, withLater: Bool = true) throws -> [FactVersion] {
        // Each row also carries the earliest later fact of its type from the same source and to the
        // same target (rule 3), found through the primary key and facts_by_target in the same read.
        let later =
            withLater
            ? """
            (SELECT min(n.valid_at) FROM facts n WHERE n.from_id = f.from_id AND n.relation = f.relation AND n.valid_at > f.valid_at AND n.recorded_at <= ?2),
            (SELECT min(n.valid_at) FROM facts n WHERE n.to_id = f.to_id AND n.relation = f.relation AND n.valid_at > f.valid_at AND n.recorded_at <= ?2)
            """ : "NULL, NULL"
        let columns = """
            f.relation, f.from_id, ef.type, ef.key, f.to_id, et.type, et.key, f.valid_at, f.invalid_at, f.recorded_at, f.fact,
            \(later)
            FROM facts f JOIN entities ef ON ef.id = f.from_id JOIN entities et ON et.id = f.to_id
            """
        let statement = try db.cachedStatement(
            sql: """
                SELECT \(columns) WHERE f.from_id = ?1 AND f.recorded_at <= ?2
                UNION ALL
                SELECT \(columns) WHERE f.to_id = ?1 AND f.from_id <> ?1 AND f.recorded_at <= ?2
                """)
        var facts: [FactVersion] = []
        let rows = try Row.fetchCursor(statement, arguments: [entity.blob, knownAt.microseconds])
        while let row = try rows.next() {
            let from = try Self.handle(row, at: 1)
            let to = try Self.handle(row, at: 4)
            let invalidAt: Int64? = row[8]
            let nextFrom: Int64? = row[11]
            let nextTo: Int64? = row[12]
            facts.append(
                FactVersion(
                    relation: row[0], from: from, to: to, validAt: Timestamp(microseconds: row[7]),
                    invalidAt: invalidAt.map(Timestamp.init(microseconds:)), recordedAt: Timestamp(microseconds: row[9]), fact: row[10],
                    later: withLater
                        ? LaterFacts(fromSource: nextFrom.map(Timestamp.init(microseconds:)), toTarget: nextTo.map(Timestamp.init(microseconds:))) : nil))
        }
        return facts
    }

    static func ends(_ db: Database, _ entity: EntityID, knownAt: Timestamp) throws -> [FactEnd] {
        let statement = try db.cachedStatement(
            sql: """
                SELECT relation, from_id, to_id, invalid_at, recorded_at FROM fact_ends WHERE from_id = ?1 AND recorded_at <= ?2
                UNION ALL
                SELECT relation, from_id, to_id, invalid_at, recorded_at FROM fact_ends WHERE to_id = ?1 AND from_id <> ?1 AND recorded_at <= ?2
                """)
        var ends: [FactEnd] = []
        let rows = try Row.fetchCursor(statement, arguments: [entity.blob, knownAt.microseconds])
        while let row = try rows.next() {
            ends.append(
                FactEnd(
                    relation: row[0], from: try EntityID(blob: row[1]), to: try EntityID(blob: row[2]),
                    invalidAt: Timestamp(microseconds: row[3]), recordedAt: Timestamp(microseconds: row[4])))
        }
        return ends
    }
}

extension SQLiteStore: ContentVersionSource {
    /// SQLite's `PRAGMA data_version` on the snapshot cache's own connection: it reads the WAL index in shared memory.
    public func contentVersion() throws -> Int64? { try cache.currentVersion() }
}
