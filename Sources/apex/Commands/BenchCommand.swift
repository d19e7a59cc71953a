import ApexCore
import ArgumentParser
import Foundation

/// `apex bench ...`: the benchmarks behind the speed targets (run them on a release build).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ingest and query speed (use a release build: swift build -c release).",
        subcommands: [Temporal.self]
    )

    /// `apex bench temporal`: ingest rate and state/timeline latency percentiles on generated fleet data.
    struct Temporal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest generated property versions, then time state and timeline queries (P50/P90/P99 via HdrHistogram).",
            discussion: """
                Writes a record file of --versions property versions over --entities units (plus one DRIVES fact per 100 versions) \
                to a scratch directory, ingests it through the same path as apex ingest, then times --queries random state and \
                timeline queries. Reports records/s, latency percentiles in microseconds and the peak resident set size.
                """
        )

        @Option(name: .long, help: "Property versions to generate.")
        var versions = 1_000_000

        @Option(name: .long, help: "Entities the versions are spread over.")
        var entities = 10_000

        @Option(name: .long, help: "Queries of each kind to time.")
        var queries = 20_000

        @Option(name: .long, help: "Seed of the generated data.")
        var seed: UInt64 = 42

        @Option(name: .long, help: "Scratch directory (default: a new temporary directory, removed afterwards).")
        var scratch: String?

        @Flag(name: .long, help: "Print the figures as one JSON object.")
        var json = false

        func validate() throws {
            guard versions > 0, entities > 0, queries > 0 else { throw ValidationError("--versions, --entities and --queries must be positive") }
        }

        func run() async throws {
            let directory = scratch ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("apex-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { if scratch == nil { try? FileManager.default.removeItem(atPath: directory) } }
            let quiet = json
            let benchmark = TemporalBenchmark(
                workload: TemporalWorkload(versions: versions, entities: entities, seed: seed), queries: queries, directory: directory,
                log: { message in if !quiet { Console.error("bench: " + message) } })
            let figures = try await benchmark.run()
            if json {
                print(JSONWriter.string(figures))
            } else {
                Console.answer(figures)
            }
        }
    }
}
