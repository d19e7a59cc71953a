public import ApexCore
public import ApexPorts
import Foundation
import GRDB

extension SQLiteStore {
    public func embedder() async throws -> EmbedderIdentity? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT identity, dimension FROM embedder WHERE id = 1").map { EmbedderIdentity(name: $0[0], dimension: $0[1]) }
        }
    }

    public func saveDocument(_ document: DocumentRecord, chunks: [ChunkRecord], mentions: [EntityID], embedder: EmbedderIdentity) async throws
        -> (inserted: [Int64], removed: [Int64], generation: Int64)
    {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO embedder (id, identity, dimension) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING",
                arguments: [embedder.name, embedder.dimension])
            let removed = try Int64.fetchAll(db, sql: "SELECT rowid FROM chunks WHERE document_id = ?", arguments: [document.id.blob])
            try db.execute(sql: "DELETE FROM chunks WHERE document_id = ?", arguments: [document.id.blob])
            try db.execute(sql: "DELETE FROM document_mentions WHERE document_id = ?", arguments: [document.id.blob])
            try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [document.id.blob])
            try db.execute(
                sql: """
                    INSERT INTO documents (id, title, content, metadata, source, reference_time, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    document.id.blob, document.title, document.content, JSONWriter.string(document.metadata), document.source,
                    document.referenceTime?.microseconds, document.recordedAt.microseconds,
                ])
            let insertChunk = try db.makeStatement(
                sql: "INSERT INTO chunks (document_id, ordinal, start_offset, end_offset, text, embedding) VALUES (?, ?, ?, ?, ?, ?)")
            var rowIDs: [Int64] = []
            for record in chunks {
                try insertChunk.execute(arguments: [
                    document.id.blob, record.chunk.index, record.chunk.start, record.chunk.end, record.chunk.text, Self.blob(record.embedding),
                ])
                rowIDs.append(db.lastInsertedRowID)
            }
            for entity in Set(mentions) {
                try db.execute(sql: "INSERT OR IGNORE INTO document_mentions (document_id, entity_id) VALUES (?, ?)", arguments: [document.id.blob, entity.blob])
            }
            return (rowIDs, removed, try Self.bumpGeneration(db))
        }
    }

    public func document(_ id: EntityID) async throws -> DocumentRecord? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT title, content, metadata, source, reference_time, recorded_at,
                               (SELECT count(*) FROM chunks WHERE document_id = d.id)
                        FROM documents d WHERE id = ?
                        """, arguments: [id.blob])
            else { return nil }
            let referenceTime: Int64? = row[4]
            return DocumentRecord(
                id: id, title: row[0], content: row[1], metadata: try Self.metadata(row[2], document: id), source: row[3],
                referenceTime: referenceTime.map(Timestamp.init(microseconds:)), recordedAt: Timestamp(microseconds: row[5]), chunkCount: row[6])
        }
    }

    public func vectorGeneration() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT generation FROM vector_generation WHERE id = 1") ?? 0 }
    }

    static func bumpGeneration(_ db: Database) throws -> Int64 {
        try db.execute(sql: "UPDATE vector_generation SET generation = generation + 1 WHERE id = 1")
        return try Int64.fetchOne(db, sql: "SELECT generation FROM vector_generation WHERE id = 1") ?? 0
    }

    public func deleteDocument(_ id: EntityID) async throws -> (removed: [Int64], generation: Int64)? {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM documents WHERE id = ?", arguments: [id.blob]) != nil else { return nil }
            let rowIDs = try Int64.fetchAll(db, sql: "SELECT rowid FROM chunks WHERE document_id = ?", arguments: [id.blob])
            // Chunks first, so that the FTS trigger sees each one; mentions and chunks would also cascade.
            try db.execute(sql: "DELETE FROM chunks WHERE document_id = ?", arguments: [id.blob])
            try db.execute(sql: "DELETE FROM document_mentions WHERE document_id = ?", arguments: [id.blob])
            try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [id.blob])
            return (rowIDs, try Self.bumpGeneration(db))
        }
    }

    public func textSearch(_ query: String, limit: Int, filters: [String: String]) async throws -> [ChunkHit] {
        let terms = TextChunker.words(in: query)
        guard !terms.isEmpty else { return [] }
        // Each term quoted, so that nothing in the query is FTS5 syntax.
        let match = terms.map { "\"" + $0.replacingOccurrences(of: "\"", with: "") + "\"" }.joined(separator: " OR ")
        let sortedFilters = filters.sorted { $0.key < $1.key }
        let filterSQL = String(repeating: " AND CAST(json_extract(d.metadata, ?) AS TEXT) = ?", count: sortedFilters.count)
        var arguments: [(any DatabaseValueConvertible)?] = [match]
        for (field, value) in sortedFilters {
            arguments.append("$.\"\(field)\"")
            arguments.append(value)
        }
        arguments.append(limit)
        let sql = """
            SELECT c.rowid, c.document_id, c.start_offset, c.end_offset, c.text, -bm25(chunks_fts)
            FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid JOIN documents d ON d.id = c.document_id
            WHERE chunks_fts MATCH ?\(filterSQL)
            ORDER BY bm25(chunks_fts) LIMIT ?
            """
        let bound = StatementArguments(arguments)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: bound).map(Self.hit)
        }
    }

    public func chunks(_ rowIDs: [Int64]) async throws -> [ChunkHit] {
        guard !rowIDs.isEmpty else { return [] }
        return try await pool.read { db in
            let statement = try db.cachedStatement(sql: "SELECT rowid, document_id, start_offset, end_offset, text, 0.0 FROM chunks WHERE rowid = ?")
            return try rowIDs.compactMap { try Row.fetchOne(statement, arguments: [$0]).map(Self.hit) }
        }
    }

    public func chunkVectors(_ rowIDs: [Int64]) async throws -> [Int64: [Float]] {
        guard !rowIDs.isEmpty else { return [:] }
        return try await pool.read { db in
            let statement = try db.cachedStatement(sql: "SELECT embedding FROM chunks WHERE rowid = ?")
            var vectors: [Int64: [Float]] = [:]
            for id in rowIDs {
                if let data = try Data.fetchOne(statement, arguments: [id]) { vectors[id] = Self.floats(data) }
            }
            return vectors
        }
    }

    public func allChunkVectors() async throws -> [(rowID: Int64, vector: [Float], metadata: [String: String])] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT c.rowid, c.embedding, d.metadata FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY c.rowid")
                .map { row in (rowID: row[0], vector: Self.floats(row[1]), metadata: try Self.metadata(row[2], document: nil).scalarFields) }
        }
    }

    public func entitiesMentioned(in text: String) async throws -> [EntityID] {
        let lowered = text.lowercased()
        return try await pool.read { db in
            try Data.fetchAll(
                db,
                sql: """
                    SELECT id FROM entities WHERE length(key) >= 3 AND instr(?1, lower(key)) > 0
                    UNION
                    SELECT DISTINCT entity_id FROM property_versions
                    WHERE property = 'name' AND value IS NOT NULL AND length(value) >= 5 AND instr(?1, lower(json_extract(value, '$'))) > 0
                    """,
                arguments: [lowered]
            ).map { try EntityID(blob: $0) }
        }
    }

    public func documents(mentioning entity: EntityID) async throws -> [DocumentSummary] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.id, d.title FROM document_mentions m JOIN documents d ON d.id = m.document_id
                    WHERE m.entity_id = ? ORDER BY d.recorded_at, d.id
                    """, arguments: [entity.blob]
            ).map { DocumentSummary(id: try EntityID(blob: $0[0]), title: $0[1]) }
        }
    }

    public func entities(mentionedBy documents: [EntityID]) async throws -> [EntityHandle] {
        guard !documents.isEmpty else { return [] }
        return try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT e.id, e.type, e.key FROM document_mentions m JOIN entities e ON e.id = m.entity_id WHERE m.document_id = ?")
            var seen: Set<EntityID> = []
            var handles: [EntityHandle] = []
            for document in documents {
                for row in try Row.fetchAll(statement, arguments: [document.blob]) {
                    let handle = try Self.handle(row, at: 0)
                    if seen.insert(handle.id).inserted { handles.append(handle) }
                }
            }
            return handles
        }
    }

    static func hit(_ row: Row) throws -> ChunkHit {
        ChunkHit(rowID: row[0], documentID: try EntityID(blob: row[1]), start: row[2], end: row[3], text: row[4], score: row[5])
    }

    static func blob(_ vector: [Float]) -> Data {
        vector.withUnsafeBytes { Data($0) }
    }

    static func floats(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
        }
    }

    /// A document's stored metadata; text that is not a JSON object is a damaged row, never `{}`.
    static func metadata(_ text: String, document: EntityID?) throws -> JSONValue {
        guard let value = try? JSONParser.parse(text), case .object = value else {
            throw SQLiteStoreError.corruptRow(reason: "the metadata of document \(document.map(\.description) ?? "(a chunk's document)") is not a JSON object")
        }
        return value
    }
}
