import ApexCore
import ApexEngine
import ApexPorts
import ApexSQLite
import ApexVector
import Foundation
import Synchronization

/// Runs `apex bench vectors-migrate`: the rate of `apex vectors migrate` on the embedded store, when only the index
/// spec changes (the stored vectors are indexed again) and when the embedder changes (every chunk is embedded again).
///
/// Each case seeds one memory of `chunks` chunks once (not timed), then for
/// every run copies it to a fresh directory and times the whole migration, as
/// the command runs it: reading the vectors, embedding, building and saving the
/// new version's index, and the swap.
struct VectorMigrationBenchmark {
    let chunks: Int
    let dimension: Int
    let runs: Int
    let directory: String
    let log: @Sendable (String) -> Void

    func run() async throws -> JSONValue {
        let indexOnly = try await measure(
            name: "index only", seedDimension: dimension, target: "payload_indexes=part")
        let reembedding = try await measure(
            name: "re-embedding", seedDimension: dimension == 256 ? 384 : 256, target: "dimension=\(dimension)")
        return .object([
            ("benchmark", "vectors-migrate"),
            ("chunks", .integer(Int64(chunks))),
            ("dimension", .integer(Int64(dimension))),
            ("cores", .integer(Int64(ProcessInfo.processInfo.activeProcessorCount))),
            ("index_only", indexOnly),
            ("reembedding", reembedding),
        ])
    }

    /// Seeds a memory whose vectors have `seedDimension` dimensions, then times `runs` migrations of a copy to `target`.
    private func measure(name: String, seedDimension: Int, target: String) async throws -> JSONValue {
        let base = (directory as NSString).appendingPathComponent("seed-\(seedDimension)")
        if !FileManager.default.fileExists(atPath: base) {
            log("seeding \(chunks) chunks embedded with \(seedDimension) dimensions")
            try await seed(base, dimension: seedDimension)
        }
        var seconds: [Double] = []
        var embedSeconds: [Double] = []
        var indexSeconds: [Double] = []
        var result: VectorMigrationReport?
        for run in 1...runs {
            let copy = (directory as NSString).appendingPathComponent("run")
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: base, toPath: copy)
            let store = try await SQLiteStore.open(directory: copy)
            let phases = PhaseClock()
            let migration = VectorMigration(
                collections: store, documents: store, indexer: EmbeddedCollectionIndexer(directory: copy),
                embedderFor: { identity in FeatureHashingEmbedder(dimension: identity.dimension) },
                fallback: VectorCollectionSpec(embedder: FeatureHashingEmbedder(dimension: seedDimension).identity),
                progress: { phases.note($0) })
            let spec = try await migration.live().spec.applying(text: target)
            let clock = ContinuousClock()
            let start = clock.now
            result = try await migration.run(to: spec)
            let elapsed = (clock.now - start) / .seconds(1)
            let split = phases.split(end: clock.now)
            seconds.append(elapsed)
            embedSeconds.append(split.embedding)
            indexSeconds.append(split.indexing)
            log(
                String(
                    format: "%@ run %d: %.1f s (embedding %.1f s, indexing %.1f s, saving and swap %.1f s): %.0f vectors/s", name, run, elapsed,
                    split.embedding, split.indexing, split.swap, Double(chunks) / elapsed))
            try FileManager.default.removeItem(atPath: copy)
        }
        let median = Self.median(seconds)
        var figures: [(String, JSONValue)] = [
            ("target", .string(target)),
            ("runs_seconds", .array(seconds.map { .number(($0 * 100).rounded() / 100) })),
            ("median_seconds", .number((median * 100).rounded() / 100)),
            ("vectors_per_second", .integer(Int64(Double(chunks) / median))),
            ("indexing_seconds_median", .number((Self.median(indexSeconds) * 100).rounded() / 100)),
        ]
        if result?.embedded ?? 0 > 0 {
            let embedding = Self.median(embedSeconds)
            figures.append(("embedding_seconds_median", .number((embedding * 100).rounded() / 100)))
            figures.append(("chunks_embedded_per_second", .integer(Int64(Double(chunks) / max(embedding, 1e-6)))))
        }
        return .object(figures)
    }

    /// A memory of `chunks` chunks (100 per document) with the offline embedder's vectors, saved through the store.
    private func seed(_ path: String, dimension: Int) async throws {
        let store = try await SQLiteStore.open(directory: path)
        let embedder = FeatureHashingEmbedder(dimension: dimension)
        let ids = UUIDv7Generator()
        let perDocument = 100
        for first in stride(from: 0, to: chunks, by: perDocument) {
            let texts = (first..<min(first + perDocument, chunks)).map(Self.text)
            var offset = 0
            let records = texts.enumerated().map { ordinal, text -> ChunkRecord in
                let length = text.unicodeScalars.count
                defer { offset += length + 1 }
                return ChunkRecord(
                    chunk: TextChunk(index: ordinal, start: offset, end: offset + length, tokenCount: 24, text: text), embedding: embedder.embed(text))
            }
            let document = DocumentRecord(
                id: ids.next(unixMilliseconds: 1_700_000_000_000 + UInt64(first / perDocument)), title: "document \(first / perDocument)", content: texts.joined(separator: " "),
                metadata: .object([("part", .string(String(first / perDocument % 4)))]), source: nil, referenceTime: nil,
                recordedAt: Timestamp(microseconds: 1_700_000_000_000_000), chunkCount: texts.count)
            _ = try await store.saveDocument(document, chunks: records, mentions: [], embedder: embedder.identity)
            if first % 20_000 == 0, first > 0 { log("seeded \(first) chunks") }
        }
    }

    /// Chunk `index`'s text: 24 words, most from its document's topic (one of 200, 150 words each), the rest from a
    /// shared vocabulary of 5,000, so that chunks have near neighbours as in a real corpus.
    static func text(_ index: Int) -> String {
        let topic = UInt64(index / 100 % 200)
        var state = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        return (0..<24).map { _ -> String in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let draw = state >> 33
            return draw % 10 < 7 ? "t\(topic)x\(draw / 10 % 150)" : "w\(draw / 10 % 5_000)"
        }.joined(separator: " ") + "."
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// When a migration's embedding and indexing phases began, from its progress events.
private final class PhaseClock: Sendable {
    private let marks = Mutex<(embedding: ContinuousClock.Instant?, indexing: ContinuousClock.Instant?, indexed: ContinuousClock.Instant?)>(
        (nil, nil, nil))

    func note(_ event: VectorMigrationEvent) {
        marks.withLock { marks in
            switch event {
            case .embedding where marks.embedding == nil: marks.embedding = ContinuousClock.now
            case .indexing(let done, let total):
                if marks.indexing == nil { marks.indexing = ContinuousClock.now }
                if done == total { marks.indexed = ContinuousClock.now }
            default: break
            }
        }
    }

    /// Seconds spent embedding (from its first event to the first indexing one), indexing (reading the vectors and
    /// building, to the last indexing event) and after it (saving the index, the swap) until `end`.
    func split(end: ContinuousClock.Instant) -> (embedding: Double, indexing: Double, swap: Double) {
        marks.withLock { marks in
            let indexing = marks.indexing ?? end
            let indexed = marks.indexed ?? end
            let embedding = marks.embedding.map { (indexing - $0) / .seconds(1) } ?? 0
            return (embedding, (indexed - indexing) / .seconds(1), (end - indexed) / .seconds(1))
        }
    }
}
