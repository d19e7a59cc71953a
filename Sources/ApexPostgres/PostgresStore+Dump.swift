public import ApexCore
public import ApexPorts
import Foundation
import PostgresNIO

/// Row-for-row reads for `apex export` and a move's backfill: every recorded time, with the records' sources.
extension PostgresStore {
    public func dumpedVersions(of entities: [EntityID]) async throws -> [DumpedVersion] {
        guard !entities.isEmpty else { return [] }
        let ids = entities.map(\.uuid)
        return try await rows(
            """
            SELECT entity_id, property, valid_at, recorded_at, value, source FROM property_versions
            WHERE entity_id = ANY(\(ids)) ORDER BY entity_id, property, valid_at, recorded_at
            """
        ).map { row in
            let (id, property, validAt, recordedAt, value, source) = try row.decode((UUID, String, Int64, Int64, String?, String?).self)
            let version = PropertyVersion(
                property: property, validAt: Timestamp(microseconds: validAt), recordedAt: Timestamp(microseconds: recordedAt), value: value)
            return DumpedVersion(entity: EntityID(uuid: id), version: version, source: source)
        }
    }

    public func dumpedRelations(from entities: [EntityID]) async throws -> DumpedRelations {
        guard !entities.isEmpty else { return DumpedRelations(facts: [], ends: []) }
        let ids = entities.map(\.uuid)
        let facts = try await rows(
            """
            SELECT f.relation, f.from_id, ef.type, ef.key, f.to_id, et.type, et.key, f.valid_at, f.invalid_at, f.recorded_at, f.fact, f.source
            FROM facts f JOIN entities ef ON ef.id = f.from_id JOIN entities et ON et.id = f.to_id
            WHERE f.from_id = ANY(\(ids)) ORDER BY f.from_id, f.relation, f.valid_at, f.to_id, f.recorded_at
            """
        ).map { row in
            let (relation, fromID, fromType, fromKey, toID, toType, toKey, validAt, invalidAt, recordedAt, text, source) = try row.decode(
                (String, UUID, String, String, UUID, String, String, Int64, Int64?, Int64, String?, String?).self)
            let fact = FactVersion(
                relation: relation, from: EntityHandle(id: EntityID(uuid: fromID), ref: EntityRef(type: fromType, key: fromKey)),
                to: EntityHandle(id: EntityID(uuid: toID), ref: EntityRef(type: toType, key: toKey)), validAt: Timestamp(microseconds: validAt),
                invalidAt: invalidAt.map(Timestamp.init(microseconds:)), recordedAt: Timestamp(microseconds: recordedAt), fact: text)
            return DumpedFact(fact: fact, source: source)
        }
        let ends = try await rows(
            """
            SELECT relation, from_id, to_id, invalid_at, recorded_at, source FROM fact_ends
            WHERE from_id = ANY(\(ids)) ORDER BY from_id, relation, to_id, invalid_at, recorded_at
            """
        ).map { row in
            let (relation, from, to, invalidAt, recordedAt, source) = try row.decode((String, UUID, UUID, Int64, Int64, String?).self)
            let end = FactEnd(
                relation: relation, from: EntityID(uuid: from), to: EntityID(uuid: to), invalidAt: Timestamp(microseconds: invalidAt),
                recordedAt: Timestamp(microseconds: recordedAt))
            return DumpedEnd(end: end, source: source)
        }
        return DumpedRelations(facts: facts, ends: ends)
    }

    public func dumpedDocuments(after: EntityID?, limit: Int, vectors: Bool) async throws -> [DumpedDocument] {
        // The nil UUID sorts first: every document id is greater.
        let after = after?.uuid ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        let limit = max(0, limit)
        var documents: [DumpedDocument] = []
        for row in try await rows(
            """
            SELECT id, title, content, metadata::text, source, reference_time, recorded_at, (SELECT count(*) FROM chunks WHERE document_id = d.id),
                   ARRAY(SELECT entity_id FROM document_mentions WHERE document_id = d.id ORDER BY entity_id)
            FROM documents d WHERE id > \(after) ORDER BY id LIMIT \(limit)
            """)
        {
            let (uuid, title, content, metadata, source, referenceTime, recordedAt, chunkCount, mentions) = try row.decode(
                (UUID, String, String, String, String?, Int64?, Int64, Int64, [UUID]).self)
            let id = EntityID(uuid: uuid)
            let record = DocumentRecord(
                id: id, title: title, content: content, metadata: try Self.metadata(metadata, document: id), source: source,
                referenceTime: referenceTime.map(Timestamp.init(microseconds:)), recordedAt: Timestamp(microseconds: recordedAt), chunkCount: Int(chunkCount))
            documents.append(DumpedDocument(record: record, mentions: mentions.map(EntityID.init(uuid:)), chunks: []))
        }
        guard vectors, !documents.isEmpty else { return documents }
        var chunks: [EntityID: [DumpedChunk]] = [:]
        for row in try await rows(
            """
            SELECT document_id, start_offset, end_offset, embedding FROM chunks
            WHERE document_id = ANY(\(documents.map(\.record.id.uuid))) ORDER BY document_id, ordinal
            """)
        {
            let (document, start, end, embedding) = try row.decode((UUID, Int32, Int32, [Float]).self)
            chunks[EntityID(uuid: document), default: []].append(DumpedChunk(start: Int(start), end: Int(end), embedding: embedding))
        }
        for index in documents.indices { documents[index].chunks = chunks[documents[index].record.id] ?? [] }
        return documents
    }
}
