import ApexCore
public import ApexPorts
import Foundation
import Logging
public import PostgresNIO

/// The pgvector adapter of ``VectorStore``: vectors in the `vector_items` table, searched through an HNSW index.
///
/// Dimensions with an index (``PostgresMigrations/indexedDimensions``: 384 and
/// 1,536 as `vector` or, when asked, `halfvec`; 3,072 as `halfvec` always) are
/// searched approximately by cosine distance with `hnsw.ef_search` set per
/// query; a filtered search turns on pgvector's iterative scan
/// (`hnsw.iterative_scan = strict_order`), so that a selective filter still
/// fills the result. Other dimensions are scanned exactly. The table records
/// the vector generation and precision it has caught up with, so that a change
/// the record store committed but the vector store missed (a crash in between),
/// or a switch of precision, is found and repaired by ``catchUp(to:loading:)``.
public struct PgVectorStore: VectorStore {
    public let client: PostgresClient
    public let dimension: Int
    /// The HNSW candidate list size of a search (at least the number of results asked for).
    public let efSearch: Int
    let logger: Logger
    let lease: ConnectionLease

    /// Rows per insert statement.
    static let batchSize = 500

    /// The precision asked for; dimensions over 2,000 are indexed as `halfvec` whatever it is.
    public let requestedPrecision: VectorPrecision

    public init(store: PostgresStore, dimension: Int, efSearch: Int = 64, precision: VectorPrecision = .single) {
        self.client = store.client
        self.logger = store.logger
        self.lease = store.lease
        self.dimension = dimension
        self.efSearch = max(1, min(efSearch, 1000))
        self.requestedPrecision = precision
    }

    /// The precision the rows are stored and indexed with.
    public var rowPrecision: VectorPrecision { dimension > 2000 ? .half : requestedPrecision }

    /// How the index searched stores vectors, nil when this dimension has none (exact search).
    public var precision: VectorPrecision? {
        PostgresMigrations.indexedDimensions[dimension]?.contains(rowPrecision) == true ? rowPrecision : nil
    }

    public func apply(removing removed: [Int64], adding items: [VectorItem], generation: Int64) async throws {
        let half = rowPrecision == .half
        try await write { connection, logger in
            if !removed.isEmpty {
                try await connection.run("DELETE FROM vector_items WHERE id = ANY(\(removed)::bigint[])", logger: logger)
            }
            try await Self.insert(items, half: half, connection, logger)
            try await connection.run("UPDATE vector_index_state SET generation = GREATEST(generation, \(generation)) WHERE id = 1", logger: logger)
        }
    }

    /// The vector generation the table has caught up with.
    public func generation() async throws -> Int64 {
        try await state().generation
    }

    /// The generation and precision the table holds.
    func state() async throws -> (generation: Int64, half: Bool) {
        do {
            let logger = self.logger
            return try await lease.leased { connection in
                try await connection.run("SELECT generation, half FROM vector_index_state WHERE id = 1", logger: logger).first?.decode((Int64, Bool).self)
                    ?? (0, false)
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
    }

    /// The precision the table holds now: what a store opened without asking for one keeps (`vector` in a new database).
    public func storedPrecision() async throws -> VectorPrecision {
        try await state().half ? .half : .single
    }

    /// Replaces every vector by `loading()` when the table is not at the record store's `generation`, or holds
    /// another precision than this store's; returns whether it did.
    @discardableResult
    public func catchUp(to generation: Int64, loading: () async throws -> [VectorItem]) async throws -> Bool {
        let half = rowPrecision == .half
        let current = try await state()
        guard current.generation != generation || current.half != half else { return false }
        let items = try await loading()
        try await write { connection, logger in
            try await connection.run("DELETE FROM vector_items", logger: logger)
            try await Self.insert(items, half: half, connection, logger)
            try await connection.run("UPDATE vector_index_state SET generation = \(generation), half = \(half) WHERE id = 1", logger: logger)
        }
        return true
    }

    public func search(_ query: [Float], limit: Int, filter: [String: String]) async throws -> [VectorHit] {
        guard limit > 0, query.count == dimension, !filter.contains(where: { $0.key.containsNUL || $0.value.containsNUL }) else { return [] }
        let query = searchQuery(query, limit: limit, filter: filter)
        let ef = String(max(efSearch, min(limit, 1000)))
        let scan = filter.isEmpty ? "off" : "strict_order"
        let logger = self.logger
        do {
            return try await lease.leased { connection in
                try await connection.run(
                    "SELECT set_config('hnsw.ef_search', \(ef), false), set_config('hnsw.iterative_scan', \(scan), false)", logger: logger)
                return try await connection.run(query, logger: logger).map { row in
                    let (id, distance) = try row.decode((Int64, Double).self)
                    return VectorHit(id: id, distance: Float(distance))
                }
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
    }

    /// The statement of a search: nearest first by cosine distance, on the partial index of this store's precision.
    func searchQuery(_ query: [Float], limit: Int, filter: [String: String]) -> PostgresQuery {
        let type = precision.map { "\($0.rawValue)(\(dimension))" } ?? "vector"
        var binds = PostgresBindings()
        binds.append(Self.literal(query))
        // The type, dimension and row condition come from the store's configuration, never from a request; the
        // condition repeats the partial index's, so that the planner uses it.
        let rows = PostgresMigrations.rowPredicate(rowPrecision)
        var sql = "SELECT id, (embedding::\(type) <=> $1::\(type))::float8 FROM vector_items WHERE vector_dims(embedding) = \(dimension) AND \(rows)"
        if !filter.isEmpty {
            binds.append(JSONWriter.string(.object(filter.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
            sql += " AND payload @> $2::jsonb"
        }
        binds.append(Int64(limit))
        sql += " ORDER BY embedding::\(type) <=> $1::\(type) LIMIT $\(binds.count)"
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    private func write(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> Void) async throws {
        let logger = self.logger
        do {
            try await lease.inTransaction(logger: logger) { connection in try await body(connection, logger) }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
    }

    private static func insert(_ items: [VectorItem], half: Bool, _ connection: PostgresConnection, _ logger: Logger) async throws {
        var start = 0
        while start < items.count {
            let batch = items[start..<min(start + batchSize, items.count)]
            start += batchSize
            let ids = batch.map(\.id)
            let vectors = batch.map { literal($0.vector) }
            let payloads = batch.map { item in JSONWriter.string(.object(item.payload.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })) }
            try await connection.run(
                """
                INSERT INTO vector_items (id, embedding, half, payload)
                SELECT t.id, t.embedding::vector, \(half), t.payload::jsonb
                FROM unnest(\(ids)::bigint[], \(vectors)::text[], \(payloads)::text[]) AS t (id, embedding, payload)
                ON CONFLICT (id) DO UPDATE SET embedding = excluded.embedding, half = excluded.half, payload = excluded.payload
                """, logger: logger)
        }
    }

    /// pgvector's text form: `[0.1,0.2,...]`.
    static func literal(_ vector: [Float]) -> String {
        var text = "["
        text.reserveCapacity(vector.count * 12)
        for (index, value) in vector.enumerated() {
            if index > 0 { text.append(",") }
            text.append(value.isFinite ? "\(value)" : "0")
        }
        text.append("]")
        return text
    }
}
