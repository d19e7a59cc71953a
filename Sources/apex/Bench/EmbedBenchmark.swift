import ApexCore
import ApexEmbedders
import CApexKernels
import Foundation
import Histogram

/// Runs `apex bench embed`: MiniLM chunks per second (128-token chunks, one thread and every core) and the
/// latency of embedding one 10-word query.
struct EmbedBenchmark {
    let embedder: MiniLMEmbedder
    let chunks: Int
    let queries: Int
    let runs: Int
    let seed: UInt64
    let export: String?
    let log: @Sendable (String) -> Void

    /// Words the vocabulary holds whole, so that a chunk of 126 of them is exactly 128 tokens with `[CLS]` and `[SEP]`.
    static let words = [
        "truck", "driver", "load", "invoice", "customer", "patient", "route", "engine", "brake", "tyre", "delay", "snow",
        "road", "city", "north", "south", "late", "early", "paid", "unpaid", "repair", "service", "weekly", "report",
        "warehouse", "pallet", "fish", "frozen", "delivery", "address", "signature", "doctor", "fever", "clinic", "refund",
        "order", "price", "money", "window", "glass", "light", "warning", "oil", "fuel", "station", "morning", "evening",
        "the", "a", "of", "and", "was", "is", "on", "in", "for", "with", "after", "before", "because", "again",
    ]

    func run() throws -> JSONValue {
        var generator = SplitMix64(seed: seed)
        let vocabulary = Self.words.filter { embedder.tokens($0).count == 3 }
        func text(_ count: Int) -> String { (0..<count).map { _ in vocabulary[Int(generator.next() % UInt64(vocabulary.count))] }.joined(separator: " ") }
        let chunkTexts = (0..<chunks).map { _ in text(126) }
        let queryTexts = (0..<queries).map { _ in text(10) }
        let tokens = chunkTexts.map { embedder.tokens($0).count }
        if let export {
            let texts = JSONValue.object([("chunks", .array(chunkTexts.map(JSONValue.string))), ("queries", .array(queryTexts.map(JSONValue.string)))])
            try Data(JSONWriter.string(texts).utf8).write(to: URL(fileURLWithPath: export))
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var single = embedder
        single.threads = 1
        var all = embedder
        all.threads = cores
        _ = single.embedNow(Array(chunkTexts.prefix(4)))  // warm-up: pages the weights in
        var oneCoreRates: [Double] = []
        var allCoreRates: [Double] = []
        var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var perRun: [JSONValue] = []
        let clock = ContinuousClock()
        for run in 1...runs {
            var began = clock.now
            _ = single.embedNow(chunkTexts)
            let oneCore = Double(chunks) / ((clock.now - began) / .seconds(1))
            began = clock.now
            _ = all.embedNow(chunkTexts)
            let allCores = Double(chunks) / ((clock.now - began) / .seconds(1))
            var runLatency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            for query in queryTexts {
                let start = clock.now
                _ = embedder.embed(query)
                let micros = UInt64(max(0, (clock.now - start) / .microseconds(1)))
                runLatency.record(micros)
                latency.record(micros)
            }
            oneCoreRates.append(oneCore)
            allCoreRates.append(allCores)
            log(String(format: "run %d: %.1f chunks/s on one core, %.1f on %d cores, query P50 %d µs", run, oneCore, allCores, cores, runLatency.valueAtPercentile(50)))
            perRun.append(
                .object([
                    ("one_core_chunks_per_second", .number(TemporalBenchmark.round(oneCore))),
                    ("all_cores_chunks_per_second", .number(TemporalBenchmark.round(allCores))),
                    ("query_us", TemporalBenchmark.percentiles(runLatency)),
                ]))
        }
        return .object([
            ("embedder", .string(embedder.identity.name)), ("model", .string(embedder.path)),
            ("kernel", .string(apex_kernels_use_avx2() == 1 ? "avx2+fma" : "portable")), ("cores", .integer(Int64(cores))),
            ("chunks", .integer(Int64(chunks))), ("chunk_tokens", .integer(Int64(tokens.max() ?? 0))),
            ("query_tokens", .integer(Int64(queryTexts.first.map { embedder.tokens($0).count } ?? 0))), ("queries", .integer(Int64(queries))),
            ("runs", .integer(Int64(runs))),
            ("one_core_chunks_per_second", .number(TemporalBenchmark.round(Self.median(oneCoreRates)))),
            ("all_cores_chunks_per_second", .number(TemporalBenchmark.round(Self.median(allCoreRates)))),
            ("query_us", TemporalBenchmark.percentiles(latency)),
            ("per_run", .array(perRun)),
        ])
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
