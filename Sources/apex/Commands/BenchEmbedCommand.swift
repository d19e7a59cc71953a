import ApexCore
import ApexEmbedders
import ArgumentParser
import Foundation

extension BenchCommand {
    /// `apex bench embed`: how fast the MiniLM embedder runs on this machine.
    struct Embed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the MiniLM embedder: 128-token chunks/s on one core and on every core, and one 10-word query's latency.",
            discussion: """
                Loads the model (--embedder-model, or $APEX_EMBEDDER_MODEL: a directory or model.zip), makes --chunks texts of \
                exactly 128 tokens and --queries texts of 10 words from a fixed vocabulary, then in each of --runs runs embeds \
                the chunks on one thread, again shared over every core, and each query alone (P50/P90/P99 in microseconds via \
                HdrHistogram). Chunk rates are the medians of the runs; query percentiles are over all runs.
                """
        )

        @Option(name: .customLong("embedder-model"), help: "The model's directory or its model.zip.")
        var model: String?

        @Option(name: .long, help: "128-token chunks per run.")
        var chunks = 64

        @Option(name: .long, help: "10-word queries per run.")
        var queries = 200

        @Option(name: .long, help: "Runs; chunk rates are their medians.")
        var runs = 3

        @Option(name: .long, help: "Seed of the generated texts.")
        var seed: UInt64 = 42

        @Option(name: .long, help: "Also write the chunk and query texts as JSON to this file, for scripts/bench/minilm_compare.py.")
        var export: String?

        @Flag(name: .long, help: "Print the figures as one JSON object.")
        var json = false

        func validate() throws {
            guard chunks > 0, queries > 0, runs > 0 else { throw ValidationError("--chunks, --queries and --runs must be positive") }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment["APEX_EMBEDDER_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
            guard let path = model ?? environment else {
                throw CLIError.badArgument("apex bench embed needs --embedder-model PATH (a MiniLM model's directory or its model.zip)")
            }
            let embedder = try LoadedModels.shared.minilm(path: path)
            let quiet = json
            let benchmark = EmbedBenchmark(
                embedder: embedder, chunks: chunks, queries: queries, runs: runs, seed: seed, export: export, log: { if !quiet { Console.error($0) } })
            let figures = try benchmark.run()
            if json { print(JSONWriter.string(figures)) } else { Console.answer(figures) }
        }
    }
}
