import ApexCore
import ApexPorts
import ApexPostgres
import Foundation

/// The pgvector half of `apex bench vector --database-url`: insert through ``PgVectorStore``, then QPS and recall@10 per ef_search.
struct PgvectorBenchmark {
    let count: Int
    let dimension: Int
    let efValues: [Int]
    let databaseURL: String
    let precision: VectorPrecision
    let log: @Sendable (String) -> Void

    /// Rows per `apply` while loading.
    static let batch = 1_000

    func run(vectors: [[Float]], queries: [[Float]], truth: [Set<Int>]) async throws -> JSONValue {
        let schema = try await PostgresScratchSchema.create(in: databaseURL)
        do {
            let figures = try await measure(schema, vectors: vectors, queries: queries, truth: truth)
            try await schema.drop()
            return figures
        } catch {
            try? await schema.drop()
            throw error
        }
    }

    private func measure(_ schema: PostgresScratchSchema, vectors: [[Float]], queries: [[Float]], truth: [Set<Int>]) async throws -> JSONValue {
        let store = try await CommandStores.shared.postgres(url: schema.url, migrate: true)
        let loader = PgVectorStore(store: store, dimension: dimension, precision: precision)
        if loader.precision == nil { log("pgvector has no HNSW index for \(dimension) dimensions: searches scan exactly") }
        log("inserting \(count) vectors through the pgvector store (scratch schema \(schema.name))")
        let clock = ContinuousClock()
        let start = clock.now
        var next = 0
        var reported = 0
        while next < vectors.count {
            let end = min(next + Self.batch, vectors.count)
            let items = (next..<end).map { VectorItem(id: Int64($0), vector: vectors[$0], payload: [:]) }
            try await loader.apply(removing: [], adding: items, generation: 0)
            next = end
            if next * 10 / vectors.count > reported {
                reported = next * 10 / vectors.count
                log("  \(next) vectors in \(Int((clock.now - start) / .seconds(1))) s")
            }
        }
        let buildSeconds = (clock.now - start) / .seconds(1)
        let bytes = try await schema.sizeBytes()
        var runs: [JSONValue] = []
        for ef in efValues {
            let vectorStore = PgVectorStore(store: store, dimension: dimension, efSearch: ef, precision: precision)
            var hits = 0
            let began = clock.now
            for (query, expected) in zip(queries, truth) {
                let found = try await vectorStore.search(query, limit: 10, filter: [:])
                hits += found.filter { expected.contains(Int($0.id)) }.count
            }
            let seconds = (clock.now - began) / .seconds(1)
            let recall = Double(hits) / Double(queries.count * 10)
            log(String(format: "pgvector ef_search %d: recall@10 %.4f, %.0f queries/s", ef, recall, Double(queries.count) / seconds))
            runs.append([
                "ef_search": .integer(Int64(ef)),
                "recall_at_10": .number((recall * 10000).rounded() / 10000),
                "queries_per_second": .integer(Int64(Double(queries.count) / seconds)),
            ])
        }
        let index: String = loader.precision.map { "hnsw \($0.rawValue)_cosine_ops" } ?? "none (exact scan)"
        let loadSeconds: Double = (buildSeconds * 100).rounded() / 100
        let megabytes: Double = Double(bytes / 10_486) / 100
        let fields: [(String, JSONValue)] = [
            ("index", .string(index)),
            ("m", .integer(16)),
            ("ef_construction", .integer(64)),
            ("load_seconds", .number(loadSeconds)),
            ("table_and_index_mb", .number(megabytes)),
            ("client", .string("one connection at a time, two round trips per query (set ef_search, search)")),
            ("runs", .array(runs)),
        ]
        return .object(fields)
    }
}
