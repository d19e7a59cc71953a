public import ApexCore
public import ApexPorts
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    public func propertyVersions(of entity: EntityID, property: String?, knownAt: Timestamp) async throws -> [PropertyVersion] {
        try await onConnection { connection, logger in try await Self.propertyVersions(connection, entity, property: property, knownAt: knownAt, logger) }
    }

    /// One statement for all of them (`entity_id = ANY(...)`).
    public func propertyVersions(ofAny entities: [EntityID], knownAt: Timestamp) async throws -> [EntityID: [PropertyVersion]] {
        guard !entities.isEmpty else { return [:] }
        let (ids, known) = (Array(Set(entities)).map(\.uuid), knownAt.microseconds)
        var found: [EntityID: [PropertyVersion]] = [:]
        for id in ids { found[EntityID(uuid: id)] = [] }
        for row in try await rows(
            "SELECT entity_id, property, valid_at, recorded_at, value FROM property_versions WHERE entity_id = ANY(\(ids)) AND recorded_at <= \(known)")
        {
            let (id, property, validAt, recordedAt, value) = try row.decode((UUID, String, Int64, Int64, String?).self)
            found[EntityID(uuid: id), default: []].append(
                PropertyVersion(property: property, validAt: Timestamp(microseconds: validAt), recordedAt: Timestamp(microseconds: recordedAt), value: value))
        }
        return found
    }

    public func facts(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactVersion] {
        try await onConnection { connection, logger in try await Self.facts(connection, [entity], knownAt: knownAt, logger) }
    }

    public func ends(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactEnd] {
        try await onConnection { connection, logger in try await Self.ends(connection, [entity], knownAt: knownAt, logger) }
    }

    public func facts(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactVersion] {
        guard !entities.isEmpty else { return [] }
        return try await onConnection { connection, logger in
            try await Self.facts(connection, entities, knownAt: knownAt, withLater: false, logger)
        }
    }

    public func earliestFacts(_ probes: [LaterFactProbe], knownAt: Timestamp) async throws -> [Timestamp?] {
        guard !probes.isEmpty else { return [] }
        return try await onConnection { connection, logger in try await Self.earliestFacts(connection, probes, knownAt: knownAt, logger) }
    }

    public func ends(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactEnd] {
        guard !entities.isEmpty else { return [] }
        return try await onConnection { connection, logger in try await Self.ends(connection, entities, knownAt: knownAt, logger) }
    }

    public func earliestFact(relation: String, side: FactSide, entity: EntityID, after: Timestamp, knownAt: Timestamp) async throws -> Timestamp? {
        let (id, after, knownAt) = (entity.uuid, after.microseconds, knownAt.microseconds)
        let query: PostgresQuery =
            switch side {
            case .from:
                "SELECT min(valid_at) FROM facts WHERE from_id = \(id) AND relation = \(relation) AND valid_at > \(after) AND recorded_at <= \(knownAt)"
            case .to:
                "SELECT min(valid_at) FROM facts WHERE to_id = \(id) AND relation = \(relation) AND valid_at > \(after) AND recorded_at <= \(knownAt)"
            }
        let value = try await rows(query).first?.decode(Int64?.self)
        return value.map(Timestamp.init(microseconds:))
    }

    /// Runs `body` on a pooled connection, turning PostgresNIO's errors into the store's.
    func onConnection<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> Result) async throws -> Result {
        let logger = self.logger
        do {
            return try await lease.leased { connection in try await body(connection, logger) }
        } catch let error as PSQLError {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
    }

    static func propertyVersions(_ connection: PostgresConnection, _ entity: EntityID, property: String?, knownAt: Timestamp, _ logger: Logger)
        async throws -> [PropertyVersion]
    {
        let (id, knownAt) = (entity.uuid, knownAt.microseconds)
        let query: PostgresQuery =
            if let property {
                """
                SELECT property, valid_at, recorded_at, value FROM property_versions
                WHERE entity_id = \(id) AND property = \(property) AND recorded_at <= \(knownAt)
                """
            } else {
                "SELECT property, valid_at, recorded_at, value FROM property_versions WHERE entity_id = \(id) AND recorded_at <= \(knownAt)"
            }
        var versions: [PropertyVersion] = []
        for try await (property, validAt, recordedAt, value) in try await connection.query(query, logger: logger).decode((String, Int64, Int64, String?).self) {
            versions.append(
                PropertyVersion(property: property, validAt: Timestamp(microseconds: validAt), recordedAt: Timestamp(microseconds: recordedAt), value: value))
        }
        return versions
    }

    /// Every fact version touching any of `entities` (each once); with `withLater`, each with the earliest later facts that may supersede it.
    ///
    /// A traversal asks without them (``earliestFacts(_:knownAt:)`` answers for the bounded relations only): the two
    /// subqueries per row cost more than the rest of the read. The ends' types and keys are looked up per row
    /// (`OFFSET 0` keeps the planner from hashing the whole entity table for a few hundred rows).
    static func facts(_ connection: PostgresConnection, _ entities: [EntityID], knownAt: Timestamp, withLater: Bool = true, _ logger: Logger)
        async throws -> [FactVersion]
    {
        let (ids, knownAt) = (entities.map(\.uuid), knownAt.microseconds)
        // Each row also carries the earliest later fact of its type from the same source and to the
        // same target (rule 3), found through the primary key and facts_by_target in the same read.
        let query: PostgresQuery = """
            WITH mine AS (
                SELECT * FROM facts WHERE from_id = ANY(\(ids)) AND recorded_at <= \(knownAt)
                UNION ALL
                SELECT * FROM facts WHERE to_id = ANY(\(ids)) AND NOT from_id = ANY(\(ids)) AND recorded_at <= \(knownAt)
            )
            SELECT f.relation, f.from_id, ef.type, ef.key, f.to_id, et.type, et.key, f.valid_at, f.invalid_at, f.recorded_at, f.fact,
                CASE WHEN \(withLater) THEN (SELECT min(n.valid_at) FROM facts n WHERE n.from_id = f.from_id AND n.relation = f.relation
                    AND n.valid_at > f.valid_at AND n.recorded_at <= \(knownAt)) END,
                CASE WHEN \(withLater) THEN (SELECT min(n.valid_at) FROM facts n WHERE n.to_id = f.to_id AND n.relation = f.relation
                    AND n.valid_at > f.valid_at AND n.recorded_at <= \(knownAt)) END
            FROM mine f
            CROSS JOIN LATERAL (SELECT type, key FROM entities WHERE id = f.from_id OFFSET 0) ef
            CROSS JOIN LATERAL (SELECT type, key FROM entities WHERE id = f.to_id OFFSET 0) et
            """
        var facts: [FactVersion] = []
        for try await row in try await connection.query(query, logger: logger) {
            let (relation, fromID, fromType, fromKey, toID, toType, toKey) = try row.decode((String, UUID, String, String, UUID, String, String).self)
            var cells = row.makeIterator()
            for _ in 0..<7 { _ = cells.next() }
            let validAt = try Self.cell(&cells, Int64.self)
            let invalidAt = try Self.cell(&cells, Int64?.self)
            let recordedAt = try Self.cell(&cells, Int64.self)
            let fact = try Self.cell(&cells, String?.self)
            let nextFrom = try Self.cell(&cells, Int64?.self)
            let nextTo = try Self.cell(&cells, Int64?.self)
            facts.append(
                FactVersion(
                    relation: relation, from: EntityHandle(id: EntityID(uuid: fromID), ref: EntityRef(type: fromType, key: fromKey)),
                    to: EntityHandle(id: EntityID(uuid: toID), ref: EntityRef(type: toType, key: toKey)), validAt: Timestamp(microseconds: validAt),
                    invalidAt: invalidAt.map(Timestamp.init(microseconds:)), recordedAt: Timestamp(microseconds: recordedAt), fact: fact,
                    later: withLater
                        ? LaterFacts(fromSource: nextFrom.map(Timestamp.init(microseconds:)), toTarget: nextTo.map(Timestamp.init(microseconds:))) : nil))
        }
        return facts
    }

    /// For each probe, the earliest later fact on its side: one statement for all of them.
    static func earliestFacts(_ connection: PostgresConnection, _ probes: [LaterFactProbe], knownAt: Timestamp, _ logger: Logger) async throws
        -> [Timestamp?]
    {
        let ids = probes.map(\.entity.uuid)
        let relations = probes.map(\.relation)
        let afters = probes.map(\.after.microseconds)
        let fromSide = probes.map { $0.side == .from }
        let knownAt = knownAt.microseconds
        let query: PostgresQuery = """
            SELECT p.i, CASE WHEN p.from_side
                THEN (SELECT min(n.valid_at) FROM facts n WHERE n.from_id = p.id AND n.relation = p.relation AND n.valid_at > p.after
                    AND n.recorded_at <= \(knownAt))
                ELSE (SELECT min(n.valid_at) FROM facts n WHERE n.to_id = p.id AND n.relation = p.relation AND n.valid_at > p.after
                    AND n.recorded_at <= \(knownAt)) END
            FROM unnest(\(ids)::uuid[], \(relations)::text[], \(afters)::bigint[], \(fromSide)::bool[]) WITH ORDINALITY AS p (id, relation, after, from_side, i)
            """
        var answers = [Timestamp?](repeating: nil, count: probes.count)
        for try await (index, value) in try await connection.query(query, logger: logger).decode((Int64, Int64?).self) {
            let slot = Int(index) - 1
            if answers.indices.contains(slot) { answers[slot] = value.map(Timestamp.init(microseconds:)) }
        }
        return answers
    }

    /// Decodes the next cell of a row (rows wider than PostgresNIO's tuple decoding takes).
    static func cell<T: PostgresDecodable>(_ cells: inout PostgresRow.Iterator, _ type: T.Type) throws -> T {
        guard let cell = cells.next() else { throw PostgresStoreError.corruptRow(reason: "a row has fewer columns than expected") }
        return try cell.decode(T.self)
    }

    /// Every end record touching any of `entities`, each once.
    static func ends(_ connection: PostgresConnection, _ entities: [EntityID], knownAt: Timestamp, _ logger: Logger) async throws -> [FactEnd] {
        let (ids, knownAt) = (entities.map(\.uuid), knownAt.microseconds)
        let query: PostgresQuery = """
            SELECT relation, from_id, to_id, invalid_at, recorded_at FROM fact_ends WHERE from_id = ANY(\(ids)) AND recorded_at <= \(knownAt)
            UNION ALL
            SELECT relation, from_id, to_id, invalid_at, recorded_at FROM fact_ends
            WHERE to_id = ANY(\(ids)) AND NOT from_id = ANY(\(ids)) AND recorded_at <= \(knownAt)
            """
        var ends: [FactEnd] = []
        for try await (relation, from, to, invalidAt, recordedAt) in try await connection.query(query, logger: logger).decode(
            (String, UUID, UUID, Int64, Int64).self)
        {
            ends.append(
                FactEnd(
                    relation: relation, from: EntityID(uuid: from), to: EntityID(uuid: to), invalidAt: Timestamp(microseconds: invalidAt),
                    recordedAt: Timestamp(microseconds: recordedAt)))
        }
        return ends
    }
}
