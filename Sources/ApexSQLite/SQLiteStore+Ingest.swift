import ApexCore
public import ApexPorts
import Foundation
import GRDB

extension SQLiteStore {
    public func ingest(_ request: IngestRequest) async throws -> IngestSummary {
        try await pool.write { db in
            if let ontology = request.ontology {
                try db.execute(
                    sql: """
                        INSERT INTO ontology (id, name, version, source, stored_at) VALUES (1, ?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET name = excluded.name, version = excluded.version,
                            source = excluded.source, stored_at = excluded.stored_at
                        """,
                    arguments: [ontology.ontology.name, ontology.ontology.version, ontology.source, Int64(Date().timeIntervalSince1970 * 1000)])
            }
            let writer = try RecordWriter(db: db, identities: request.identities, includesFacts: request.includesFacts)
            try writer.registerNewEntities()
            let source = try request.makeSource()
            var accepted = 0
            while let item = try source.next() {
                try writer.write(item)
                accepted += 1
            }
            try writer.recordWatermark()
            if let commit = request.sagaCommit {
                try db.execute(
                    sql: "UPDATE sagas SET steps_done = ?, updated_at = ? WHERE id = ? AND owner = ? AND state = 'running'",
                    arguments: [SagaSteps.encode(commit.stepsDone), commit.at.microseconds, commit.id.blob, commit.owner.description])
                guard db.changesCount == 1 else { throw SagaTakenOver(id: commit.id) }
            }
            return IngestSummary(accepted: accepted, newEntities: request.identities.new.count)
        }
    }
}

/// Writes checked records into the tables of one open write transaction.
///
/// Statements are prepared once per ingest; entity ids come from the
/// engine's ``EntityIdentities``, the new ones registered first.
private final class RecordWriter {
    private let db: Database
    private let identities: EntityIdentities
    private let includesFacts: Bool
    private var newestRecordedAt: Int64?

    private let insertEntity: Statement
    private let upsertProperty: Statement
    private let latestProperty: Statement
    private let upsertFact: Statement
    private let latestFact: Statement
    private let insertEnd: Statement
    private let findEnd: Statement

    init(db: Database, identities: EntityIdentities, includesFacts: Bool) throws {
        self.db = db
        self.identities = identities
        self.includesFacts = includesFacts
        insertEntity = try db.makeStatement(sql: "INSERT INTO entities (id, type, key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        // One row per (entity, property, valid_at, recorded_at). On an exact tie the rule of
        // PropertyVersion.wins keeps the result independent of arrival order: unset, then the greater text.
        upsertProperty = try db.makeStatement(
            sql: """
                INSERT INTO property_versions (entity_id, property, valid_at, recorded_at, value, source) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (entity_id, property, valid_at, recorded_at) DO UPDATE SET value = excluded.value, source = excluded.source
                WHERE (excluded.value IS NULL AND property_versions.value IS NOT NULL)
                   OR (excluded.value IS NOT NULL AND property_versions.value IS NOT NULL AND excluded.value > property_versions.value)
                """)
        latestProperty = try db.makeStatement(
            sql: """
                SELECT value IS NULL, value FROM property_versions WHERE entity_id = ? AND property = ? AND valid_at = ?
                ORDER BY recorded_at DESC LIMIT 1
                """)
        // The same tie rule as FactVersion.wins: the earlier invalid_at, then the greater fact text.
        upsertFact = try db.makeStatement(
            sql: """
                INSERT INTO facts (relation, from_id, to_id, valid_at, recorded_at, invalid_at, fact, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (from_id, relation, valid_at, to_id, recorded_at) DO UPDATE
                SET invalid_at = excluded.invalid_at, fact = excluded.fact, source = excluded.source
                WHERE (excluded.invalid_at IS NOT NULL AND (facts.invalid_at IS NULL OR excluded.invalid_at < facts.invalid_at))
                   OR (excluded.invalid_at IS facts.invalid_at AND excluded.fact IS NOT NULL AND (facts.fact IS NULL OR excluded.fact > facts.fact))
                """)
        latestFact = try db.makeStatement(
            sql: """
                SELECT invalid_at, fact FROM facts WHERE from_id = ? AND relation = ? AND valid_at = ? AND to_id = ?
                ORDER BY recorded_at DESC LIMIT 1
                """)
        insertEnd = try db.makeStatement(
            sql: """
                INSERT INTO fact_ends (relation, from_id, to_id, invalid_at, recorded_at, source) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """)
        findEnd = try db.makeStatement(sql: "SELECT 1 FROM fact_ends WHERE from_id = ? AND relation = ? AND to_id = ? AND invalid_at = ? LIMIT 1")
    }

    /// Registers the entities the engine minted ids for; one that another writer registered meanwhile is a conflict.
    func registerNewEntities() throws {
        for handle in identities.new {
            try insertEntity.execute(arguments: [handle.id.blob, handle.ref.type, handle.ref.key])
            if db.changesCount == 0 { throw EntityRegistrationConflict(ref: handle.ref, reason: .registeredMeanwhile) }
        }
    }

    /// Raises the store's watermark to the newest `recorded_at` written.
    func recordWatermark() throws {
        guard let newestRecordedAt else { return }
        try db.execute(
            sql: """
                INSERT INTO store_watermark (id, max_recorded_at) VALUES (1, ?1)
                ON CONFLICT (id) DO UPDATE SET max_recorded_at = max(coalesce(max_recorded_at, ?1), ?1)
                """,
            arguments: [newestRecordedAt])
    }

    func write(_ item: IngestRecord) throws {
        let recordedAt = item.recordedAt.microseconds
        newestRecordedAt = max(newestRecordedAt ?? recordedAt, recordedAt)
        switch item.record {
        case .state(let record):
            let entity = try entityID(record.entity)
            let validAt = record.validAt.microseconds
            for change in record.changes {
                if item.recordedAtIsImplicit, try unchangedProperty(entity, change, validAt: validAt) { continue }
                try upsertProperty.execute(arguments: [entity, change.property, validAt, recordedAt, change.value, record.source])
            }
        case .fact(let record):
            guard includesFacts else { return }
            let from = try entityID(record.from)
            let to = try entityID(record.to)
            let validAt = record.validAt.microseconds
            if item.recordedAtIsImplicit,
                let row = try Row.fetchOne(latestFact, arguments: [from, record.relation, validAt, to]),
                row[0] as Int64? == record.invalidAt?.microseconds, row[1] as String? == record.fact
            {
                return
            }
            try upsertFact.execute(arguments: [
                record.relation, from, to, validAt, recordedAt, record.invalidAt?.microseconds, record.fact, record.source,
            ])
        case .end(let record):
            guard includesFacts else { return }
            let from = try entityID(record.from)
            let to = try entityID(record.to)
            let invalidAt = record.invalidAt.microseconds
            if item.recordedAtIsImplicit, try Bool.fetchOne(findEnd, arguments: [from, record.relation, to, invalidAt]) != nil {
                return
            }
            try insertEnd.execute(arguments: [record.relation, from, to, invalidAt, recordedAt, record.source])
        }
    }

    /// True when the latest version at this valid time already says the same: re-ingesting it adds nothing.
    private func unchangedProperty(_ entity: Data, _ change: PropertyChange, validAt: Int64) throws -> Bool {
        guard let row = try Row.fetchOne(latestProperty, arguments: [entity, change.property, validAt]) else { return false }
        let isUnset: Bool = row[0]
        return isUnset ? change.value == nil : (row[1] as String?) == change.value
    }

    private func entityID(_ ref: EntityRef) throws -> Data {
        try identities.id(of: ref).blob
    }
}
