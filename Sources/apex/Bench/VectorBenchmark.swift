import ApexCore
import ApexPorts
import ApexPostgres
import ApexVector
import Foundation

/// Runs `apex bench vector`: HNSW build time, memory, and QPS and recall@10 against exact search for several ef_search.
///
/// The data are clustered like embeddings: `clusters` Gaussian centres, each
/// point a centre plus noise, normalised; queries are drawn the same way.
struct VectorBenchmark {
    let count: Int
    let dimension: Int
    let queries: Int
    let quantized: Bool
    let parameters: HNSWParameters
    /// Threads that build the index (queries run on one).
    let buildThreads: Int
    let efValues: [Int]
    let seed: UInt64
    /// Where to write the vectors and queries (raw little-endian float32) for another index to run on.
    let exportDirectory: String?
    /// A PostgreSQL database whose pgvector index is measured on the same vectors and queries, beside the embedded one.
    let databaseURL: String?
    /// Store and index the pgvector side as `halfvec`.
    let halfvec: Bool
    let log: @Sendable (String) -> Void

    func run() async throws -> JSONValue {
        log("generating \(count) vectors of \(dimension) dimensions")
        var random = SplitMix64(seed: seed)
        let clusters = max(1, count / 1000)
        let centres = (0..<clusters).map { _ in Self.gaussianVector(dimension, scale: 1, &random) }
        func sample() -> [Float] {
            let centre = centres[Int(random.next() % UInt64(clusters))]
            let noise = Self.gaussianVector(dimension, scale: 0.6, &random)
            return zip(centre, noise).map(+)
        }
        let vectors = (0..<count).map { _ in sample() }
        let queryVectors = (0..<queries).map { _ in sample() }
        if let exportDirectory { try export(vectors: vectors, queries: queryVectors, to: exportDirectory) }

        log("building the index (m \(parameters.m), ef_construction \(parameters.efConstruction), \(buildThreads) thread(s))")
        var index = HNSWIndex(dimension: dimension, metric: .cosine, parameters: parameters)
        let clock = ContinuousClock()
        let buildStart = clock.now
        try index.add(contentsOf: vectors.enumerated().map { ($0.offset, $0.element) }, threads: buildThreads)
        let buildSeconds = (clock.now - buildStart) / .seconds(1)
        let floatBytes = index.memoryBytes

        log("computing exact top-10 for \(queries) queries")
        let truth = queryVectors.map { Set(index.exactSearch($0, k: 10).map(\.id)) }
        if quantized {
            index.quantize()
            log("quantized to int8: \(index.memoryBytes / 1_048_576) MB of \(floatBytes / 1_048_576) MB")
        }
        var runs: [JSONValue] = []
        var scratch = HNSWSearchScratch()
        for ef in efValues {
            var hits = 0
            let start = clock.now
            for (query, expected) in zip(queryVectors, truth) {
                let found = try index.search(query, k: 10, ef: ef, rescore: quantized ? { vectors[$0] } : nil, scratch: &scratch)
                hits += found.filter { expected.contains($0.id) }.count
            }
            let seconds = (clock.now - start) / .seconds(1)
            let recall = Double(hits) / Double(queries * 10)
            log(String(format: "ef_search %d: recall@10 %.4f, %.0f queries/s", ef, recall, Double(queries) / seconds))
            runs.append([
                "ef_search": .integer(Int64(ef)),
                "recall_at_10": .number((recall * 10000).rounded() / 10000),
                "queries_per_second": .integer(Int64(Double(queries) / seconds)),
            ])
        }
        var pgvector: JSONValue = .null
        if let databaseURL {
            pgvector = try await PgvectorBenchmark(
                count: count, dimension: dimension, efValues: efValues, databaseURL: databaseURL, precision: halfvec ? .half : .single, log: log
            ).run(vectors: vectors, queries: queryVectors, truth: truth)
        }
        return .object([
            ("benchmark", "vector"),
            ("index", "hnsw"),
            ("n", .integer(Int64(count))),
            ("dimension", .integer(Int64(dimension))),
            ("metric", "cosine"),
            ("m", .integer(Int64(parameters.m))),
            ("ef_construction", .integer(Int64(parameters.efConstruction))),
            ("int8", .bool(quantized)),
            ("build_seconds", .number((buildSeconds * 100).rounded() / 100)),
            ("float32_index_mb", .number(Double(floatBytes / 10_486) / 100)),
            ("index_mb", .number(Double(index.memoryBytes / 10_486) / 100)),
            ("index_memory_ratio", .number((Double(index.memoryBytes) / Double(floatBytes) * 1000).rounded() / 1000)),
            ("queries", .integer(Int64(queries))),
            ("build_threads", .integer(Int64(buildThreads))),
            ("threads", 1),
            ("runs", .array(runs)),
            ("peak_rss_mb", .number(TemporalBenchmark.round(Double(TemporalBenchmark.peakResidentKilobytes()) / 1024))),
            ("pgvector", pgvector),
        ])
    }

    private func export(vectors: [[Float]], queries: [[Float]], to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, rows) in [("vectors.f32", vectors), ("queries.f32", queries)] {
            var bytes = Data(capacity: rows.count * dimension * 4)
            for row in rows { row.withUnsafeBytes { bytes.append(contentsOf: $0) } }
            try bytes.write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(name)))
        }
        let meta = "{\"n\": \(vectors.count), \"dim\": \(dimension), \"queries\": \(queries.count)}\n"
        try meta.write(toFile: (directory as NSString).appendingPathComponent("meta.json"), atomically: true, encoding: .utf8)
        log("wrote the vectors and queries to \(directory)")
    }

    /// Normal deviates by Box–Muller, times `scale`.
    static func gaussianVector(_ dimension: Int, scale: Float, _ random: inout SplitMix64) -> [Float] {
        (0..<dimension).map { _ in
            let u1 = max(Double(random.next() >> 11) / Double(1 << 53), 1e-12)
            let u2 = Double(random.next() >> 11) / Double(1 << 53)
            return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * .pi * u2)) * scale
        }
    }
}
