public import ApexCore
public import ApexPorts
import Foundation
import GRDB

/// Row-for-row reads for `apex export` and a move's backfill: every recorded time, with the records' sources.
extension SQLiteStore {
    public func dumpedVersions(of entities: [EntityID]) async throws -> [DumpedVersion] {
        guard !entities.isEmpty else { return [] }
        return try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT property, valid_at, recorded_at, value, source FROM property_versions WHERE entity_id = ? ORDER BY property, valid_at, recorded_at")
            var found: [DumpedVersion] = []
            for entity in entities {
                let rows = try Row.fetchCursor(statement, arguments: [entity.blob])
                while let row = try rows.next() {
                    let version = PropertyVersion(
                        property: row[0], validAt: Timestamp(microseconds: row[1]), recordedAt: Timestamp(microseconds: row[2]), value: row[3])
                    found.append(DumpedVersion(entity: entity, version: version, source: row[4]))
                }
            }
            return found
        }
    }

    public func dumpedRelations(from entities: [EntityID]) async throws -> DumpedRelations {
        guard !entities.isEmpty else { return DumpedRelations(facts: [], ends: []) }
        return try await pool.read { db in
            let facts = try db.cachedStatement(
                sql: """
                    SELECT f.relation, f.from_id, ef.type, ef.key, f.to_id, et.type, et.key, f.valid_at, f.invalid_at, f.recorded_at, f.fact, f.source
                    FROM facts f JOIN entities ef ON ef.id = f.from_id JOIN entities et ON et.id = f.to_id
                    WHERE f.from_id = ? ORDER BY f.relation, f.valid_at, f.to_id, f.recorded_at
                    """)
            let ends = try db.cachedStatement(
                sql: """
                    SELECT relation, to_id, invalid_at, recorded_at, source FROM fact_ends
                    WHERE from_id = ? ORDER BY relation, to_id, invalid_at, recorded_at
                    """)
            var dumped = DumpedRelations(facts: [], ends: [])
            for entity in entities {
                let factRows = try Row.fetchCursor(facts, arguments: [entity.blob])
                while let row = try factRows.next() {
                    let invalidAt: Int64? = row[8]
                    let fact = FactVersion(
                        relation: row[0], from: try Self.handle(row, at: 1), to: try Self.handle(row, at: 4), validAt: Timestamp(microseconds: row[7]),
                        invalidAt: invalidAt.map(Timestamp.init(microseconds:)), recordedAt: Timestamp(microseconds: row[9]), fact: row[10])
                    dumped.facts.append(DumpedFact(fact: fact, source: row[11]))
                }
                let endRows = try Row.fetchCursor(ends, arguments: [entity.blob])
                while let row = try endRows.next() {
                    let end = FactEnd(
                        relation: row[0], from: entity, to: try EntityID(blob: row[1]), invalidAt: Timestamp(microseconds: row[2]),
                        recordedAt: Timestamp(microseconds: row[3]))
                    dumped.ends.append(DumpedEnd(end: end, source: row[4]))
                }
            }
            return dumped
        }
    }

    public func dumpedDocuments(after: EntityID?, limit: Int, vectors: Bool) async throws -> [DumpedDocument] {
        try await pool.read { db in
            let documents = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, title, content, metadata, source, reference_time, recorded_at, (SELECT count(*) FROM chunks WHERE document_id = d.id)
                    FROM documents d WHERE id > ? ORDER BY id LIMIT ?
                    """, arguments: [after?.blob ?? Data(), max(0, limit)])
            let mentions = try db.cachedStatement(sql: "SELECT entity_id FROM document_mentions WHERE document_id = ? ORDER BY entity_id")
            let chunks = try db.cachedStatement(sql: "SELECT start_offset, end_offset, embedding FROM chunks WHERE document_id = ? ORDER BY ordinal")
            return try documents.map { row in
                let id = try EntityID(blob: row[0])
                let referenceTime: Int64? = row[5]
                let record = DocumentRecord(
                    id: id, title: row[1], content: row[2], metadata: try Self.metadata(row[3], document: id), source: row[4],
                    referenceTime: referenceTime.map(Timestamp.init(microseconds:)), recordedAt: Timestamp(microseconds: row[6]), chunkCount: row[7])
                let mentioned = try Data.fetchAll(mentions, arguments: [id.blob]).map { try EntityID(blob: $0) }
                let vectorsOfChunks =
                    vectors
                    ? try Row.fetchAll(chunks, arguments: [id.blob]).map { DumpedChunk(start: $0[0], end: $0[1], embedding: Self.floats($0[2])) } : []
                return DumpedDocument(record: record, mentions: mentioned, chunks: vectorsOfChunks)
            }
        }
    }
}
