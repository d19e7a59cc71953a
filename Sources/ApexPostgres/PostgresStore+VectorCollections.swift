import ApexCore
public import ApexPorts
import Foundation
import PostgresNIO

/// The PostgreSQL side of vector collection versions (migration 13): the same rules as the embedded store's, one
/// transaction per write.
extension PostgresStore: VectorCollectionStore {
    public func vectorCollections() async throws -> [VectorCollectionVersion] {
        try await rows("SELECT version, spec, state, created_at, swapped_at FROM vector_collections ORDER BY version").map(Self.collection)
    }

    public func beginVectorCollection(_ spec: VectorCollectionSpec, first: VectorCollectionSpec) async throws -> VectorCollectionVersion {
        let now = Timestamp.wallClock.microseconds
        let (specText, firstText) = (JSONWriter.string(spec.json), JSONWriter.string(first.json))
        let logger = self.logger
        let version = try await write { connection in
            // One writer at a time numbers the versions.
            try await connection.run("LOCK TABLE vector_collections IN EXCLUSIVE MODE", logger: logger)
            try await connection.run(
                """
                INSERT INTO vector_collections (version, spec, state, created_at, swapped_at)
                SELECT 1, \(firstText), 'live', \(now), \(now) WHERE NOT EXISTS (SELECT 1 FROM vector_collections)
                """, logger: logger)
            let rows = try await connection.run(
                """
                INSERT INTO vector_collections (version, spec, state, created_at)
                SELECT max(version) + 1, \(specText), 'building', \(now) FROM vector_collections RETURNING version
                """, logger: logger)
            guard let version = try rows.first?.decode(Int32.self) else {
                throw PostgresStoreError.corruptRow(reason: "the new vector collection version was not numbered")
            }
            return Int(version)
        }
        return VectorCollectionVersion(version: version, spec: spec, state: .building, createdAt: Timestamp(microseconds: now), swappedAt: nil)
    }

    public func setVectorCollectionState(_ version: Int, to state: VectorCollectionVersion.State) async throws {
        let logger = self.logger
        let (number, name) = (Int32(version), state.rawValue)
        try await write { connection in
            let changed = try await connection.run(
                "UPDATE vector_collections SET state = \(name) WHERE version = \(number) AND state <> 'live' RETURNING version", logger: logger)
            if state == .retired, !changed.isEmpty {
                try await connection.run("DELETE FROM collection_vectors WHERE version = \(number)", logger: logger)
            }
        }
    }

    public func chunkCount() async throws -> Int {
        try await count("SELECT count(*) FROM chunks")
    }

    public func chunksMissingVectors(version: Int) async throws -> Int {
        try await count(
            """
            SELECT count(*) FROM chunks c
            WHERE NOT EXISTS (SELECT 1 FROM collection_vectors v WHERE v.version = \(Int32(version)) AND v.chunk_id = c.id)
            """)
    }

    public func chunksToEmbed(version: Int, after rowID: Int64, limit: Int) async throws -> [ChunkText] {
        try await rows(
            """
            SELECT c.id, c.text FROM chunks c
            WHERE c.id > \(rowID) AND NOT EXISTS (SELECT 1 FROM collection_vectors v WHERE v.version = \(Int32(version)) AND v.chunk_id = c.id)
            ORDER BY c.id LIMIT \(Int64(limit))
            """
        ).map { row in
            let (id, text) = try row.decode((Int64, String).self)
            return ChunkText(rowID: id, text: text)
        }
    }

    public func saveCollectionVectors(_ vectors: [(rowID: Int64, vector: [Float])], version: Int) async throws {
        guard !vectors.isEmpty else { return }
        let rows = JSONValue.array(
            vectors.map { .object([("chunk_id", .integer($0.rowID)), ("embedding", .array($0.vector.map { .number(Double($0)) }))]) })
        let logger = self.logger
        let number = Int32(version)
        _ = try await write { connection in
            try await connection.run(
                """
                INSERT INTO collection_vectors (version, chunk_id, embedding)
                SELECT \(number), c.id, r.embedding
                FROM jsonb_to_recordset(\(JSONWriter.string(rows))::jsonb) AS r (chunk_id bigint, embedding real[])
                JOIN chunks c ON c.id = r.chunk_id
                ON CONFLICT (version, chunk_id) DO UPDATE SET embedding = excluded.embedding
                """, logger: logger)
        }
    }

    public func collectionVectors(version: Int, own: Bool) async throws -> [VectorItem] {
        let query: PostgresQuery =
            own
            ? """
            SELECT c.id, v.embedding, d.metadata::text FROM chunks c JOIN collection_vectors v ON v.version = \(Int32(version)) AND v.chunk_id = c.id
            JOIN documents d ON d.id = c.document_id ORDER BY c.id
            """
            : "SELECT c.id, c.embedding, d.metadata::text FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY c.id"
        return try await rows(query).map { row in
            let (id, vector, metadata) = try row.decode((Int64, [Float], String).self)
            return VectorItem(id: id, vector: vector, payload: try Self.metadata(metadata, document: nil).scalarFields)
        }
    }

    public func swapVectorCollection(to version: Int, ifGeneration generation: Int64) async throws -> Bool {
        let now = Timestamp.wallClock.microseconds
        let logger = self.logger
        let number = Int32(version)
        return try await write { connection in
            // The generation row is locked, so that no chunk changes between the check and the exchange.
            let current = try await connection.run("SELECT generation FROM vector_generation WHERE id = 1 FOR UPDATE", logger: logger)
            guard try current.first?.decode(Int64.self) == generation else { return false }
            let all = try await connection.run(
                "SELECT version, spec, state, created_at, swapped_at FROM vector_collections ORDER BY version FOR UPDATE", logger: logger
            ).map(Self.collection)
            guard let target = all.first(where: { $0.version == version }), target.state != .retired else {
                throw PostgresStoreError.corruptRow(reason: "vector collection version \(version) is not there to swap in")
            }
            guard let live = all.first(where: { $0.state == .live }), live.version != version else { return true }
            if target.spec.needsReembedding(from: live.spec) {
                let missing = try await connection.run(
                    """
                    SELECT count(*) FROM chunks c
                    WHERE NOT EXISTS (SELECT 1 FROM collection_vectors v WHERE v.version = \(number) AND v.chunk_id = c.id)
                    """, logger: logger)
                guard try missing.first?.decode(Int64.self) == 0 else { return false }
                // The live vectors go to the version they belong to, the target's become the chunks'.
                try await connection.run(
                    """
                    INSERT INTO collection_vectors (version, chunk_id, embedding) SELECT \(Int32(live.version)), id, embedding FROM chunks
                    ON CONFLICT (version, chunk_id) DO UPDATE SET embedding = excluded.embedding
                    """, logger: logger)
                try await connection.run(
                    "UPDATE chunks c SET embedding = v.embedding FROM collection_vectors v WHERE v.version = \(number) AND v.chunk_id = c.id",
                    logger: logger)
                try await connection.run("DELETE FROM collection_vectors WHERE version = \(number)", logger: logger)
                try await connection.run(
                    "UPDATE embedder SET identity = \(target.spec.embedder.name), dimension = \(Int32(target.spec.embedder.dimension)) WHERE id = 1",
                    logger: logger)
            }
            try await connection.run("UPDATE vector_collections SET state = 'ready' WHERE version = \(Int32(live.version))", logger: logger)
            try await connection.run("UPDATE vector_collections SET state = 'live', swapped_at = \(now) WHERE version = \(number)", logger: logger)
            return true
        }
    }

    static func collection(_ row: PostgresRow) throws -> VectorCollectionVersion {
        let (version, spec, state, createdAt, swappedAt) = try row.decode((Int32, String, String, Int64, Int64?).self)
        guard let stored = VectorCollectionVersion(version: Int(version), storedSpec: spec, state: state, createdAt: createdAt, swappedAt: swappedAt)
        else { throw PostgresStoreError.corruptRow(reason: "vector collection version \(version) has an unreadable spec or state") }
        return stored
    }

    private func count(_ query: PostgresQuery) async throws -> Int {
        Int(try await rows(query).first?.decode(Int64.self) ?? 0)
    }

    /// Runs `body` in one transaction; PostgreSQL's errors become ``PostgresStoreError/queryFailed(reason:)``.
    private func write<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await lease.inTransaction(logger: logger, body)
        } catch let error as PSQLError {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
    }
}
