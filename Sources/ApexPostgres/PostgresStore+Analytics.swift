public import ApexCore
public import ApexPorts
import Foundation
import PostgresNIO

extension PostgresStore {
    public func entities(containing text: String, limit: Int) async throws -> [EntityHandle] {
        guard !text.containsNUL else { return [] }
        let pattern = LikePattern.containing(text)
        let limit = Int64(limit)
        return try await rows(
            """
            SELECT id, type, key FROM entities WHERE key ILIKE \(pattern)
            UNION
            SELECT e.id, e.type, e.key FROM entities e
            WHERE e.id IN (SELECT DISTINCT entity_id FROM property_versions WHERE value ILIKE \(pattern) LIMIT \(limit))
            LIMIT \(limit)
            """
        ).map(Self.handle)
    }

    public func entities(named name: String) async throws -> [EntityHandle] {
        guard !name.containsNUL else { return [] }
        let quoted = JSONWriter.string(.string(name))
        return try await rows(
            """
            SELECT id, type, key FROM entities WHERE key = \(name)
            UNION
            SELECT e.id, e.type, e.key FROM entities e JOIN property_versions p ON p.entity_id = e.id
            WHERE p.property = 'name' AND p.value = \(quoted)
            """
        ).map(Self.handle)
    }

    public func mostChanged(from: Timestamp, to: Timestamp, limit: Int) async throws -> [ChangeCount] {
        try await rows(
            """
            SELECT e.id, e.type, e.key, c.changes FROM (
                SELECT entity_id, count(*) AS changes FROM property_versions
                WHERE valid_at >= \(from.microseconds) AND valid_at < \(to.microseconds) GROUP BY entity_id
            ) c JOIN entities e ON e.id = c.entity_id
            ORDER BY c.changes DESC, e.type, e.key LIMIT \(Int64(limit))
            """
        ).map { row in
            let (id, type, key, changes) = try row.decode((UUID, String, String, Int64).self)
            return ChangeCount(entity: EntityHandle(id: EntityID(uuid: id), ref: EntityRef(type: type, key: key)), changes: Int(changes))
        }
    }

    public func relationChurn(from: Timestamp, to: Timestamp) async throws -> [RelationChurn] {
        let (start, end) = (from.microseconds, to.microseconds)
        // One row per fact instance (relation, from, to, valid_at) with its latest invalid_at,
        // the earliest end record after it, and the next instance on either side.
        return try await rows(
            """
            WITH instances AS (
                SELECT DISTINCT ON (relation, from_id, to_id, valid_at) relation, from_id, to_id, valid_at, invalid_at
                FROM facts ORDER BY relation, from_id, to_id, valid_at, recorded_at DESC
            ), ordered AS (
                SELECT i.*,
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
                   count(*) FILTER (WHERE valid_at >= \(start) AND valid_at < \(end)),
                   count(*) FILTER (WHERE LEAST(invalid_at, end_at) >= \(start) AND LEAST(invalid_at, end_at) < \(end)),
                   count(*) FILTER (WHERE next_from >= \(start) AND next_from < \(end)),
                   count(*) FILTER (WHERE next_to >= \(start) AND next_to < \(end))
            FROM ended GROUP BY relation ORDER BY relation
            """
        ).map { row in
            let (relation, started, ended, followedFrom, followedTo) = try row.decode((String, Int64, Int64, Int64, Int64).self)
            return RelationChurn(
                relation: relation, started: Int(started), endedExplicitly: Int(ended), followedFromSource: Int(followedFrom),
                followedToTarget: Int(followedTo))
        }
    }

    public func health() async -> StoreHealth {
        do {
            // One row by primary key: the same time on any store size.
            _ = try await rows("SELECT max_recorded_at FROM store_watermark WHERE id = 1")
            return StoreHealth(name: "records", kind: "postgres", healthy: true, detail: "\(url)")
        } catch {
            return StoreHealth(name: "records", kind: "postgres", healthy: false, detail: "\(error)")
        }
    }
}
