public import ApexCore
public import ApexPorts
import Foundation
import GRDB

extension SQLiteStore {
    public func propertyVersions(of entity: EntityID, property: String?, knownAt: Timestamp) async throws -> [PropertyVersion] {
        try await pool.read { db in
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
    }

    public func facts(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactVersion] {
        try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT f.relation, f.from_id, ef.type, ef.key, f.to_id, et.type, et.key, f.valid_at, f.invalid_at, f.recorded_at, f.fact
                    FROM facts f JOIN entities ef ON ef.id = f.from_id JOIN entities et ON et.id = f.to_id
                    WHERE f.from_id = ?1 AND f.recorded_at <= ?2
                    UNION ALL
                    SELECT f.relation, f.from_id, ef.type, ef.key, f.to_id, et.type, et.key, f.valid_at, f.invalid_at, f.recorded_at, f.fact
                    FROM facts f JOIN entities ef ON ef.id = f.from_id JOIN entities et ON et.id = f.to_id
                    WHERE f.to_id = ?1 AND f.from_id <> ?1 AND f.recorded_at <= ?2
                    """)
            var facts: [FactVersion] = []
            let rows = try Row.fetchCursor(statement, arguments: [entity.blob, knownAt.microseconds])
            while let row = try rows.next() {
                let from = EntityHandle(id: try EntityID(blob: row[1]), ref: EntityRef(type: row[2], key: row[3]))
                let to = EntityHandle(id: try EntityID(blob: row[4]), ref: EntityRef(type: row[5], key: row[6]))
                let invalidAt: Int64? = row[8]
                facts.append(
                    FactVersion(
                        relation: row[0], from: from, to: to, validAt: Timestamp(microseconds: row[7]),
                        invalidAt: invalidAt.map(Timestamp.init(microseconds:)), recordedAt: Timestamp(microseconds: row[9]), fact: row[10]))
            }
            return facts
        }
    }

    public func ends(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactEnd] {
        try await pool.read { db in
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

    public func earliestFact(relation: String, side: FactSide, entity: EntityID, after: Timestamp, knownAt: Timestamp) async throws -> Timestamp? {
        try await pool.read { db in
            let sql =
                switch side {
                case .from: "SELECT min(valid_at) FROM facts WHERE from_id = ? AND relation = ? AND valid_at > ? AND recorded_at <= ?"
                case .to: "SELECT min(valid_at) FROM facts WHERE to_id = ? AND relation = ? AND valid_at > ? AND recorded_at <= ?"
                }
            let statement = try db.cachedStatement(sql: sql)
            let value = try Int64.fetchOne(statement, arguments: [entity.blob, relation, after.microseconds, knownAt.microseconds])
            return value.map(Timestamp.init(microseconds:))
        }
    }
}
