public import ApexCore
public import ApexPorts
import Foundation
import GRDB

extension SQLiteStore {
    public func entities(containing text: String, limit: Int) async throws -> [EntityHandle] {
        let pattern = LikePattern.containing(text)
        return try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, type, key FROM entities WHERE key LIKE ?1 ESCAPE '\\'
                    UNION
                    SELECT e.id, e.type, e.key FROM entities e
                    WHERE e.id IN (SELECT DISTINCT entity_id FROM property_versions WHERE value LIKE ?1 ESCAPE '\\' LIMIT ?2)
                    LIMIT ?2
                    """,
                arguments: [pattern, limit])
            return try rows.map { try Self.handle($0, at: 0) }
        }
    }

    public func entities(named name: String) async throws -> [EntityHandle] {
        let quoted = JSONWriter.string(.string(name))
        return try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, type, key FROM entities WHERE key = ?
                    UNION
                    SELECT e.id, e.type, e.key FROM entities e JOIN property_versions p ON p.entity_id = e.id
                    WHERE p.property = 'name' AND p.value = ?
                    """,
                arguments: [name, quoted])
            return try rows.map { try Self.handle($0, at: 0) }
        }
    }

    public func mostChanged(from: Timestamp, to: Timestamp, limit: Int) async throws -> [ChangeCount] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.id, e.type, e.key, c.changes FROM (
                        SELECT entity_id, count(*) AS changes FROM property_versions
                        WHERE valid_at >= ? AND valid_at < ? GROUP BY entity_id
                    ) c JOIN entities e ON e.id = c.entity_id
                    ORDER BY c.changes DESC, e.type, e.key LIMIT ?
                    """,
                arguments: [from.microseconds, to.microseconds, limit])
            return try rows.map {
                ChangeCount(entity: try Self.handle($0, at: 0), changes: $0[3])
            }
        }
    }

    public func relationChurn(from: Timestamp, to: Timestamp) async throws -> [RelationChurn] {
        try await pool.read { db in
            // One row per fact instance (relation, from, to, valid_at) with its latest invalid_at,
            // the earliest end record after it, and the next instance on either side.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    WITH instances AS (
                        SELECT relation, from_id, to_id, valid_at,
                               (SELECT f2.invalid_at FROM facts f2 WHERE f2.from_id = f.from_id AND f2.relation = f.relation
                                  AND f2.to_id = f.to_id AND f2.valid_at = f.valid_at ORDER BY f2.recorded_at DESC LIMIT 1) AS invalid_at
                        FROM facts f GROUP BY relation, from_id, to_id, valid_at
                    ), ordered AS (
                        SELECT *,
                               lead(valid_at) OVER (PARTITION BY relation, to_id, from_id ORDER BY valid_at) AS next_same_pair,
                               (SELECT min(n.valid_at) FROM facts n WHERE n.from_id = i.from_id AND n.relation = i.relation AND n.valid_at > i.valid_at) AS next_from,
                               (SELECT min(n.valid_at) FROM facts n WHERE n.to_id = i.to_id AND n.relation = i.relation AND n.valid_at > i.valid_at) AS next_to
                        FROM instances i
                    ), ended AS (
                        SELECT o.*,
                               (SELECT min(e.invalid_at) FROM fact_ends e WHERE e.from_id = o.from_id AND e.relation = o.relation AND e.to_id = o.to_id
                                  AND e.invalid_at > o.valid_at AND (o.next_same_pair IS NULL OR e.invalid_at <= o.next_same_pair)) AS end_at
                        FROM ordered o
                    )
                    SELECT relation,
                           sum(valid_at >= ?1 AND valid_at < ?2),
                           sum(coalesce(min(coalesce(invalid_at, end_at), coalesce(end_at, invalid_at)), -1) >= ?1
                               AND coalesce(min(coalesce(invalid_at, end_at), coalesce(end_at, invalid_at)), -1) < ?2),
                           sum(next_from IS NOT NULL AND next_from >= ?1 AND next_from < ?2),
                           sum(next_to IS NOT NULL AND next_to >= ?1 AND next_to < ?2)
                    FROM ended GROUP BY relation ORDER BY relation
                    """,
                arguments: [from.microseconds, to.microseconds])
            return rows.map {
                RelationChurn(relation: $0[0], started: $0[1], endedExplicitly: $0[2], followedFromSource: $0[3], followedToTarget: $0[4])
            }
        }
    }

    public func health() async -> StoreHealth {
        do {
            // One row by primary key: proves the file opens and holds apex's schema, in the same time on any store size.
            _ = try await pool.read { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT max_recorded_at FROM store_watermark WHERE id = 1")) }
            return StoreHealth(name: "records", kind: "sqlite", healthy: true, detail: pool.path)
        } catch {
            return StoreHealth(name: "records", kind: "sqlite", healthy: false, detail: "\(error)")
        }
    }
}
