import ApexCore
import ApexPorts
import Foundation
import Logging
import PostgresNIO

/// Writes checked records into the tables of one open transaction, a batch at a time.
///
/// Rows go to the server as one JSON array per table and batch
/// (`jsonb_to_recordset`), so that a large file costs a few statements per
/// thousand records. Rows that meet within a batch are settled here by the
/// same tie rules the upserts apply against stored rows. A record without
/// `recorded_at` is written on its own, after the batch before it, because
/// whether it adds a version depends on what is stored.
final class PostgresRecordWriter {
    private let connection: PostgresConnection
    private let identities: EntityIdentities
    private let includesFacts: Bool
    private let logger: Logger
    private var newestRecordedAt: Int64?

    private var pending: [IngestRecord] = []
    private static let batchSize = 2_000

    init(connection: PostgresConnection, identities: EntityIdentities, includesFacts: Bool, logger: Logger) {
        self.connection = connection
        self.identities = identities
        self.includesFacts = includesFacts
        self.logger = logger
    }

    func add(_ item: IngestRecord) async throws {
        let recordedAt = item.recordedAt.microseconds
        newestRecordedAt = max(newestRecordedAt ?? recordedAt, recordedAt)
        if !includesFacts, case .fact = item.record { return }
        if !includesFacts, case .end = item.record { return }
        if item.recordedAtIsImplicit {
            try await flush()
            try await writeImplicit(item)
            return
        }
        pending.append(item)
        if pending.count >= Self.batchSize { try await flush() }
    }

    /// Writes what is pending and raises the store's watermark.
    func finish() async throws {
        try await flush()
        guard let newestRecordedAt else { return }
        try await connection.run(
            "UPDATE store_watermark SET max_recorded_at = GREATEST(coalesce(max_recorded_at, \(newestRecordedAt)), \(newestRecordedAt)) WHERE id = 1",
            logger: logger)
    }

    private func flush() async throws {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        var properties: [PropertyKey: PropertyRow] = [:]
        var facts: [FactKey: FactRow] = [:]
        var ends: Set<EndRow> = []
        for item in batch {
            let recordedAt = item.recordedAt.microseconds
            switch item.record {
            case .state(let record):
                let entity = try id(record.entity)
                for change in record.changes {
                    let key = PropertyKey(entity: entity, property: change.property, validAt: record.validAt.microseconds, recordedAt: recordedAt)
                    let row = PropertyRow(value: change.value, source: record.source)
                    if let existing = properties[key], !PropertyVersion.tieValue(row.value, beats: existing.value) { continue }
                    properties[key] = row
                }
            case .fact(let record):
                let key = FactKey(from: try id(record.from), relation: record.relation, validAt: record.validAt.microseconds, to: try id(record.to), recordedAt: recordedAt)
                let row = FactRow(invalidAt: record.invalidAt?.microseconds, fact: record.fact, source: record.source)
                if let existing = facts[key], !row.wins(over: existing) { continue }
                facts[key] = row
            case .end(let record):
                ends.insert(
                    EndRow(
                        relation: record.relation, from: try id(record.from), to: try id(record.to), invalidAt: record.invalidAt.microseconds,
                        recordedAt: recordedAt, source: record.source))
            }
        }
        try await writeProperties(properties)
        try await writeFacts(facts)
        try await writeEnds(ends)
    }

    // MARK: Entities

    /// Registers the entities the engine minted ids for, in batches; one that another writer registered meanwhile is a conflict.
    func registerNewEntities() async throws {
        var start = 0
        let new = identities.new
        while start < new.count {
            let chunk = new[start..<min(start + Self.batchSize * 5, new.count)]
            start += chunk.count
            let rows = JSONValue.array(
                chunk.map { .object([("id", .string($0.id.description)), ("type", .string($0.ref.type)), ("key", .string($0.ref.key))]) })
            let inserted = try await connection.run(
                """
                INSERT INTO entities (id, type, key)
                SELECT r.id, r.type, r.key FROM jsonb_to_recordset(\(JSONWriter.string(rows))::jsonb) AS r (id uuid, type text, key text)
                ON CONFLICT (type, key) DO NOTHING
                RETURNING type, key
                """, logger: logger
            )
            var registered = Set<EntityRef>()
            for row in inserted {
                let (type, key) = try row.decode((String, String).self)
                registered.insert(EntityRef(type: type, key: key))
            }
            if let taken = chunk.first(where: { !registered.contains($0.ref) }) {
                throw EntityRegistrationConflict(ref: taken.ref, reason: .registeredMeanwhile)
            }
        }
    }

    private func id(_ ref: EntityRef) throws -> UUID {
        try identities.id(of: ref).uuid
    }

    // MARK: Rows

    private func writeProperties(_ rows: [PropertyKey: PropertyRow]) async throws {
        guard !rows.isEmpty else { return }
        let json = JSONValue.array(
            rows.map { key, row in
                .object([
                    ("entity_id", .string(key.entity.uuidString)), ("property", .string(key.property)), ("valid_at", .integer(key.validAt)),
                    ("recorded_at", .integer(key.recordedAt)), ("value", .optional(row.value)), ("source", .optional(row.source)),
                ])
            })
        // One row per (entity, property, valid_at, recorded_at); on an exact tie the rule of
        // PropertyVersion.tieValue keeps the result independent of arrival order.
        try await connection.run(
            """
            INSERT INTO property_versions (entity_id, property, valid_at, recorded_at, value, source)
            SELECT r.entity_id, r.property, r.valid_at, r.recorded_at, r.value, r.source
            FROM jsonb_to_recordset(\(JSONWriter.string(json))::jsonb)
                AS r (entity_id uuid, property text, valid_at bigint, recorded_at bigint, value text, source text)
            ON CONFLICT (entity_id, property, valid_at, recorded_at) DO UPDATE SET value = excluded.value, source = excluded.source
            WHERE (excluded.value IS NULL AND property_versions.value IS NOT NULL)
               OR (excluded.value IS NOT NULL AND property_versions.value IS NOT NULL AND excluded.value > property_versions.value)
            """, logger: logger)
    }

    private func writeFacts(_ rows: [FactKey: FactRow]) async throws {
        guard !rows.isEmpty else { return }
        let json = JSONValue.array(
            rows.map { key, row in
                .object([
                    ("relation", .string(key.relation)), ("from_id", .string(key.from.uuidString)), ("to_id", .string(key.to.uuidString)),
                    ("valid_at", .integer(key.validAt)), ("recorded_at", .integer(key.recordedAt)),
                    ("invalid_at", row.invalidAt.map { .integer($0) } ?? .null), ("fact", .optional(row.fact)), ("source", .optional(row.source)),
                ])
            })
        // The same tie rule as FactVersion.wins: the earlier invalid_at, then the greater fact text.
        try await connection.run(
            """
            INSERT INTO facts (relation, from_id, to_id, valid_at, recorded_at, invalid_at, fact, source)
            SELECT r.relation, r.from_id, r.to_id, r.valid_at, r.recorded_at, r.invalid_at, r.fact, r.source
            FROM jsonb_to_recordset(\(JSONWriter.string(json))::jsonb)
                AS r (relation text, from_id uuid, to_id uuid, valid_at bigint, recorded_at bigint, invalid_at bigint, fact text, source text)
            ON CONFLICT (from_id, relation, valid_at, to_id, recorded_at) DO UPDATE
            SET invalid_at = excluded.invalid_at, fact = excluded.fact, source = excluded.source
            WHERE (excluded.invalid_at IS NOT NULL AND (facts.invalid_at IS NULL OR excluded.invalid_at < facts.invalid_at))
               OR (excluded.invalid_at IS NOT DISTINCT FROM facts.invalid_at AND excluded.fact IS NOT NULL
                   AND (facts.fact IS NULL OR excluded.fact > facts.fact))
            """, logger: logger)
    }

    private func writeEnds(_ rows: Set<EndRow>) async throws {
        guard !rows.isEmpty else { return }
        let json = JSONValue.array(
            rows.map { row in
                .object([
                    ("relation", .string(row.relation)), ("from_id", .string(row.from.uuidString)), ("to_id", .string(row.to.uuidString)),
                    ("invalid_at", .integer(row.invalidAt)), ("recorded_at", .integer(row.recordedAt)), ("source", .optional(row.source)),
                ])
            })
        try await connection.run(
            """
            INSERT INTO fact_ends (relation, from_id, to_id, invalid_at, recorded_at, source)
            SELECT r.relation, r.from_id, r.to_id, r.invalid_at, r.recorded_at, r.source
            FROM jsonb_to_recordset(\(JSONWriter.string(json))::jsonb)
                AS r (relation text, from_id uuid, to_id uuid, invalid_at bigint, recorded_at bigint, source text)
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// A record without `recorded_at`: stored unless the latest stored version at its valid time already says the same.
    private func writeImplicit(_ item: IngestRecord) async throws {
        let recordedAt = item.recordedAt.microseconds
        switch item.record {
        case .state(let record):
            let entity = try id(record.entity)
            let validAt = record.validAt.microseconds
            var rows: [PropertyKey: PropertyRow] = [:]
            for change in record.changes {
                let latest = try await connection.run(
                    """
                    SELECT value IS NULL, value FROM property_versions WHERE entity_id = \(entity) AND property = \(change.property)
                    AND valid_at = \(validAt) ORDER BY recorded_at DESC LIMIT 1
                    """, logger: logger
                ).first
                if let latest {
                    let (isUnset, value) = try latest.decode((Bool, String?).self)
                    if isUnset ? change.value == nil : value == change.value { continue }
                }
                let key = PropertyKey(entity: entity, property: change.property, validAt: validAt, recordedAt: recordedAt)
                let row = PropertyRow(value: change.value, source: record.source)
                if let existing = rows[key], !PropertyVersion.tieValue(row.value, beats: existing.value) { continue }
                rows[key] = row
            }
            try await writeProperties(rows)
        case .fact(let record):
            let key = FactKey(from: try id(record.from), relation: record.relation, validAt: record.validAt.microseconds, to: try id(record.to), recordedAt: recordedAt)
            let latest = try await connection.run(
                """
                SELECT invalid_at, fact FROM facts WHERE from_id = \(key.from) AND relation = \(key.relation) AND valid_at = \(key.validAt)
                AND to_id = \(key.to) ORDER BY recorded_at DESC LIMIT 1
                """, logger: logger
            ).first
            if let latest {
                let (invalidAt, fact) = try latest.decode((Int64?, String?).self)
                if invalidAt == record.invalidAt?.microseconds, fact == record.fact { return }
            }
            try await writeFacts([key: FactRow(invalidAt: record.invalidAt?.microseconds, fact: record.fact, source: record.source)])
        case .end(let record):
            let from = try id(record.from)
            let to = try id(record.to)
            let invalidAt = record.invalidAt.microseconds
            let found = try await connection.run(
                """
                SELECT 1 FROM fact_ends WHERE from_id = \(from) AND relation = \(record.relation) AND to_id = \(to) AND invalid_at = \(invalidAt) LIMIT 1
                """, logger: logger
            )
            if !found.isEmpty { return }
            try await writeEnds([EndRow(relation: record.relation, from: from, to: to, invalidAt: invalidAt, recordedAt: recordedAt, source: record.source)])
        }
    }
}

private struct PropertyKey: Hashable {
    var entity: UUID
    var property: String
    var validAt: Int64
    var recordedAt: Int64
}

private struct PropertyRow {
    var value: String?
    var source: String?
}

private struct FactKey: Hashable {
    var from: UUID
    var relation: String
    var validAt: Int64
    var to: UUID
    var recordedAt: Int64
}

private struct FactRow {
    var invalidAt: Int64?
    var fact: String?
    var source: String?

    /// FactVersion's tie rule for two rows with the same key.
    func wins(over other: FactRow) -> Bool {
        FactVersion.tie(invalidAt: invalidAt, fact: fact, beats: other.invalidAt, other.fact)
    }
}

private struct EndRow: Hashable {
    var relation: String
    var from: UUID
    var to: UUID
    var invalidAt: Int64
    var recordedAt: Int64
    var source: String?

    static func == (lhs: EndRow, rhs: EndRow) -> Bool {
        lhs.relation == rhs.relation && lhs.from == rhs.from && lhs.to == rhs.to && lhs.invalidAt == rhs.invalidAt && lhs.recordedAt == rhs.recordedAt
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(relation)
        hasher.combine(from)
        hasher.combine(to)
        hasher.combine(invalidAt)
        hasher.combine(recordedAt)
    }
}
