public import ApexCore
public import ApexPorts
import Foundation
import PostgresNIO

extension PostgresStore {
    public func embedder() async throws -> EmbedderIdentity? {
        try await rows("SELECT identity, dimension FROM embedder WHERE id = 1").first.map { row in
            let (name, dimension) = try row.decode((String, Int32).self)
            return EmbedderIdentity(name: name, dimension: Int(dimension))
        }
    }

    public func saveDocument(_ document: DocumentRecord, chunks: [ChunkRecord], mentions: [EntityID], embedder: EmbedderIdentity) async throws
        -> (inserted: [Int64], removed: [Int64], generation: Int64)
    {
        let logger = self.logger
        let id = document.id.uuid
        let rows = JSONValue.array(
            chunks.map { record in
                .object([
                    ("ordinal", .integer(Int64(record.chunk.index))), ("start_offset", .integer(Int64(record.chunk.start))),
                    ("end_offset", .integer(Int64(record.chunk.end))), ("text", .string(record.chunk.text)),
                    ("embedding", .array(record.embedding.map { .number(Double($0)) })),
                ])
            })
        let mentioned = Array(Set(mentions)).map(\.uuid)
        do {
            return try await lease.inTransaction(logger: logger) { connection in
                try await connection.run(
                    """
                    INSERT INTO embedder (id, identity, dimension) VALUES (1, \(embedder.name), \(Int32(embedder.dimension))) ON CONFLICT (id) DO NOTHING
                    """, logger: logger)
                let removed = try await connection.run("DELETE FROM chunks WHERE document_id = \(id) RETURNING id", logger: logger).map { try $0.decode(Int64.self) }.sorted()
                try await connection.run("DELETE FROM documents WHERE id = \(id)", logger: logger)
                try await connection.run(
                    """
                    INSERT INTO documents (id, title, content, metadata, source, reference_time, recorded_at)
                    VALUES (\(id), \(document.title), \(document.content), \(JSONWriter.string(document.metadata))::jsonb, \(document.source),
                            \(document.referenceTime?.microseconds), \(document.recordedAt.microseconds))
                    """, logger: logger)
                var inserted: [Int64] = []
                if !chunks.isEmpty {
                    inserted = try await connection.run(
                        """
                        INSERT INTO chunks (document_id, ordinal, start_offset, end_offset, text, embedding)
                        SELECT \(id), r.ordinal, r.start_offset, r.end_offset, r.text, r.embedding
                        FROM jsonb_to_recordset(\(JSONWriter.string(rows))::jsonb)
                            AS r (ordinal integer, start_offset integer, end_offset integer, text text, embedding real[])
                        ORDER BY r.ordinal
                        RETURNING id, ordinal
                        """, logger: logger
                    ).map { try $0.decode((Int64, Int32).self) }.sorted { $0.1 < $1.1 }.map(\.0)
                }
                if !mentioned.isEmpty {
                    try await connection.run(
                        """
                        INSERT INTO document_mentions (document_id, entity_id) SELECT \(id), m FROM unnest(\(mentioned)::uuid[]) AS m
                        ON CONFLICT DO NOTHING
                        """, logger: logger)
                }
                return (inserted, removed, try await Self.bumpGeneration(connection, logger))
            }
        } catch let error as PSQLError {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
    }

    public func document(_ id: EntityID) async throws -> DocumentRecord? {
        let uuid = id.uuid
        guard
            let row = try await rows(
                """
                SELECT title, content, metadata::text, source, reference_time, recorded_at, (SELECT count(*) FROM chunks WHERE document_id = d.id)
                FROM documents d WHERE id = \(uuid)
                """
            ).first
        else { return nil }
        let (title, content, metadata, source, referenceTime, recordedAt, chunkCount) = try row.decode(
            (String, String, String, String?, Int64?, Int64, Int64).self)
        return DocumentRecord(
            id: id, title: title, content: content, metadata: try Self.metadata(metadata, document: id), source: source,
            referenceTime: referenceTime.map(Timestamp.init(microseconds:)), recordedAt: Timestamp(microseconds: recordedAt), chunkCount: Int(chunkCount))
    }

    public func vectorGeneration() async throws -> Int64 {
        try await rows("SELECT generation FROM vector_generation WHERE id = 1").first?.decode(Int64.self) ?? 0
    }

    static func bumpGeneration(_ connection: PostgresConnection, _ logger: Logger) async throws -> Int64 {
        try await connection.run("UPDATE vector_generation SET generation = generation + 1 WHERE id = 1 RETURNING generation", logger: logger).first?.decode(Int64.self) ?? 0
    }

    public func deleteDocument(_ id: EntityID) async throws -> (removed: [Int64], generation: Int64)? {
        let logger = self.logger
        let uuid = id.uuid
        do {
            return try await lease.inTransaction(logger: logger) { connection -> (removed: [Int64], generation: Int64)? in
                guard try await !connection.run("SELECT 1 FROM documents WHERE id = \(uuid) FOR UPDATE", logger: logger).isEmpty else {
                    return nil
                }
                let removed = try await connection.run("DELETE FROM chunks WHERE document_id = \(uuid) RETURNING id", logger: logger).map { try $0.decode(Int64.self) }.sorted()
                try await connection.run("DELETE FROM documents WHERE id = \(uuid)", logger: logger)
                return (removed, try await Self.bumpGeneration(connection, logger))
            }
        } catch let error as PSQLError {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
    }

    public func textSearch(_ query: String, limit: Int, filters: [String: String]) async throws -> [ChunkHit] {
        let terms = TextChunker.words(in: query)
        guard !terms.isEmpty, !filters.contains(where: { $0.key.containsNUL || $0.value.containsNUL }) else { return [] }
        // Each term a quoted lexeme OR'ed with the others, so that nothing in the query is tsquery syntax.
        var binds = PostgresBindings()
        binds.append(terms)
        var sql = """
            WITH q AS (SELECT to_tsquery('simple', string_agg(quote_literal(w), ' | ')) AS query FROM unnest($1::text[]) AS w)
            SELECT c.id, c.document_id, c.start_offset, c.end_offset, c.text, ts_rank_cd(c.search, q.query)::float8
            FROM q, chunks c JOIN documents d ON d.id = c.document_id
            WHERE c.search @@ q.query
            """
        for (field, value) in filters.sorted(by: { $0.key < $1.key }) {
            binds.append(field)
            binds.append(value)
            sql += " AND d.metadata ->> $\(binds.count - 1) = $\(binds.count)"
        }
        binds.append(Int64(limit))
        sql += " ORDER BY 6 DESC, c.id LIMIT $\(binds.count)"
        return try await rows(PostgresQuery(unsafeSQL: sql, binds: binds)).map(Self.hit)
    }

    public func chunks(_ rowIDs: [Int64]) async throws -> [ChunkHit] {
        guard !rowIDs.isEmpty else { return [] }
        let found = try await rows(
            "SELECT id, document_id, start_offset, end_offset, text, 0.0::float8 FROM chunks WHERE id = ANY(\(rowIDs)::bigint[])"
        ).map(Self.hit)
        let byID = Dictionary(found.map { ($0.rowID, $0) }, uniquingKeysWith: { first, _ in first })
        return rowIDs.compactMap { byID[$0] }
    }

    public func chunkVectors(_ rowIDs: [Int64]) async throws -> [Int64: [Float]] {
        guard !rowIDs.isEmpty else { return [:] }
        var vectors: [Int64: [Float]] = [:]
        for row in try await rows("SELECT id, embedding FROM chunks WHERE id = ANY(\(rowIDs)::bigint[])") {
            let (id, vector) = try row.decode((Int64, [Float]).self)
            vectors[id] = vector
        }
        return vectors
    }

    public func allChunkVectors() async throws -> [(rowID: Int64, vector: [Float], metadata: [String: String])] {
        try await rows("SELECT c.id, c.embedding, d.metadata::text FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY c.id").map { row in
            let (id, vector, metadata) = try row.decode((Int64, [Float], String).self)
            return (rowID: id, vector: vector, metadata: try Self.metadata(metadata, document: nil).scalarFields)
        }
    }

    public func entitiesMentioned(in text: String) async throws -> [EntityID] {
        let lowered = text.lowercased().replacingOccurrences(of: "\u{0}", with: " ")
        return try await rows(
            """
            SELECT id FROM entities WHERE length(key) >= 3 AND strpos(\(lowered), lower(key)) > 0
            UNION
            SELECT DISTINCT entity_id FROM property_versions
            WHERE property = 'name' AND value IS NOT NULL AND length(value) >= 5 AND strpos(\(lowered), lower(value::jsonb #>> '{}')) > 0
            """
        ).map { EntityID(uuid: try $0.decode(UUID.self)) }
    }

    public func documents(mentioning entity: EntityID) async throws -> [DocumentSummary] {
        try await rows(
            """
            SELECT d.id, d.title FROM document_mentions m JOIN documents d ON d.id = m.document_id
            WHERE m.entity_id = \(entity.uuid) ORDER BY d.recorded_at, d.id
            """
        ).map { row in
            let (id, title) = try row.decode((UUID, String).self)
            return DocumentSummary(id: EntityID(uuid: id), title: title)
        }
    }

    public func entities(mentionedBy documents: [EntityID]) async throws -> [EntityHandle] {
        guard !documents.isEmpty else { return [] }
        let ids = documents.map(\.uuid)
        // In the order of the documents given, each entity once.
        return try await rows(
            """
            SELECT e.id, e.type, e.key FROM unnest(\(ids)::uuid[]) WITH ORDINALITY AS d (id, position)
            JOIN document_mentions m ON m.document_id = d.id JOIN entities e ON e.id = m.entity_id
            ORDER BY d.position
            """
        ).map(Self.handle).reduce(into: [EntityHandle]()) { handles, handle in
            if !handles.contains(where: { $0.id == handle.id }) { handles.append(handle) }
        }
    }

    static func hit(_ row: PostgresRow) throws -> ChunkHit {
        let (id, document, start, end, text, score) = try row.decode((Int64, UUID, Int32, Int32, String, Double).self)
        return ChunkHit(rowID: id, documentID: EntityID(uuid: document), start: Int(start), end: Int(end), text: text, score: score)
    }

    /// A document's stored metadata; text that is not a JSON object is a damaged row, never `{}`.
    static func metadata(_ text: String, document: EntityID?) throws -> JSONValue {
        guard let value = try? JSONParser.parse(text), case .object = value else {
            throw PostgresStoreError.corruptRow(reason: "the metadata of document \(document.map(\.description) ?? "(a chunk's document)") is not a JSON object")
        }
        return value
    }
}
