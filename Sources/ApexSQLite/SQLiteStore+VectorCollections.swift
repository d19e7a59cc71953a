import ApexCore
public import ApexPorts
import Foundation
import GRDB

extension SQLiteStore: VectorCollectionStore {
    public func vectorCollections() async throws -> [VectorCollectionVersion] {
        try await pool.read { db in try Self.collections(db) }
    }

    public func beginVectorCollection(_ spec: VectorCollectionSpec, first: VectorCollectionSpec) async throws -> VectorCollectionVersion {
        let now = Timestamp.wallClock
        return try await pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM vector_collections") == 0 {
                try db.execute(
                    sql: "INSERT INTO vector_collections (version, spec, state, created_at, swapped_at) VALUES (1, ?, 'live', ?, ?)",
                    arguments: [JSONWriter.string(first.json), now.microseconds, now.microseconds])
            }
            let version = (try Int.fetchOne(db, sql: "SELECT max(version) FROM vector_collections") ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO vector_collections (version, spec, state, created_at) VALUES (?, ?, 'building', ?)",
                arguments: [version, JSONWriter.string(spec.json), now.microseconds])
            return VectorCollectionVersion(version: version, spec: spec, state: .building, createdAt: now, swappedAt: nil)
        }
    }

    public func setVectorCollectionState(_ version: Int, to state: VectorCollectionVersion.State) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE vector_collections SET state = ? WHERE version = ? AND state <> 'live'", arguments: [state.rawValue, version])
            if state == .retired { try db.execute(sql: "DELETE FROM collection_vectors WHERE version = ?", arguments: [version]) }
        }
    }

    public func chunkCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM chunks") ?? 0 }
    }

    public func chunksMissingVectors(version: Int) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM collection_vectors v WHERE v.version = ? AND v.chunk_id = c.rowid)",
                arguments: [version]) ?? 0
        }
    }

    public func chunksToEmbed(version: Int, after rowID: Int64, limit: Int) async throws -> [ChunkText] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.rowid, c.text FROM chunks c
                    WHERE c.rowid > ? AND NOT EXISTS (SELECT 1 FROM collection_vectors v WHERE v.version = ? AND v.chunk_id = c.rowid)
                    ORDER BY c.rowid LIMIT ?
                    """, arguments: [rowID, version, limit]
            ).map { ChunkText(rowID: $0[0], text: $0[1]) }
        }
    }

    public func saveCollectionVectors(_ vectors: [(rowID: Int64, vector: [Float])], version: Int) async throws {
        try await pool.write { db in
            let insert = try db.makeStatement(
                sql: "INSERT OR REPLACE INTO collection_vectors (version, chunk_id, embedding) SELECT ?, rowid, ? FROM chunks WHERE rowid = ?")
            for (rowID, vector) in vectors { try insert.execute(arguments: [version, Self.blob(vector), rowID]) }
        }
    }

    public func collectionVectors(version: Int, own: Bool) async throws -> [VectorItem] {
        let sql =
            own
            ? """
            SELECT c.rowid, v.embedding, d.metadata FROM chunks c JOIN collection_vectors v ON v.version = ? AND v.chunk_id = c.rowid
            JOIN documents d ON d.id = c.document_id ORDER BY c.rowid
            """
            : "SELECT c.rowid, c.embedding, d.metadata FROM chunks c JOIN documents d ON d.id = c.document_id WHERE ? IS NOT NULL ORDER BY c.rowid"
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: [version]).map { row in
                VectorItem(id: row[0], vector: Self.floats(row[1]), payload: try Self.metadata(row[2], document: nil).scalarFields)
            }
        }
    }

    public func swapVectorCollection(to version: Int, ifGeneration generation: Int64) async throws -> Bool {
        let now = Timestamp.wallClock
        return try await pool.write { db in
            guard try Int64.fetchOne(db, sql: "SELECT generation FROM vector_generation WHERE id = 1") == generation else { return false }
            let all = try Self.collections(db)
            guard let target = all.first(where: { $0.version == version }), target.state != .retired else {
                throw SQLiteStoreError.corruptRow(reason: "vector collection version \(version) is not there to swap in")
            }
            guard let live = all.first(where: { $0.state == .live }), live.version != version else { return true }
            if target.spec.needsReembedding(from: live.spec) {
                let missing = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM collection_vectors v WHERE v.version = ? AND v.chunk_id = c.rowid)",
                    arguments: [version]) ?? 0
                guard missing == 0 else { return false }
                // The live vectors go to the version they belong to, the target's become the chunks'.
                try db.execute(
                    sql: "INSERT OR REPLACE INTO collection_vectors (version, chunk_id, embedding) SELECT ?, rowid, embedding FROM chunks",
                    arguments: [live.version])
                try db.execute(
                    sql: "UPDATE chunks SET embedding = (SELECT embedding FROM collection_vectors WHERE version = ? AND chunk_id = chunks.rowid)",
                    arguments: [version])
                try db.execute(sql: "DELETE FROM collection_vectors WHERE version = ?", arguments: [version])
                try db.execute(
                    sql: "UPDATE embedder SET identity = ?, dimension = ? WHERE id = 1", arguments: [target.spec.embedder.name, target.spec.embedder.dimension])
            }
            try db.execute(sql: "UPDATE vector_collections SET state = 'ready' WHERE version = ?", arguments: [live.version])
            try db.execute(sql: "UPDATE vector_collections SET state = 'live', swapped_at = ? WHERE version = ?", arguments: [now.microseconds, version])
            return true
        }
    }

    static func collections(_ db: Database) throws -> [VectorCollectionVersion] {
        try Row.fetchAll(db, sql: "SELECT version, spec, state, created_at, swapped_at FROM vector_collections ORDER BY version").map { row in
            let version: Int = row[0]
            guard let stored = VectorCollectionVersion(version: version, storedSpec: row[1], state: row[2], createdAt: row[3], swappedAt: row[4]) else {
                throw SQLiteStoreError.corruptRow(reason: "vector collection version \(version) has an unreadable spec or state")
            }
            return stored
        }
    }
}
