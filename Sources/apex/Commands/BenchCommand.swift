import ApexCore
import ApexVector
import ArgumentParser
import Foundation

/// `apex bench ...`: the benchmarks behind the speed targets (run them on a release build).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ingest and query speed (use a release build: swift build -c release).",
        subcommands: [Temporal.self, Graph.self, Cache.self, Vector.self, VectorsMigrate.self, Write.self, Export.self, Embed.self]
    )

    /// `apex bench temporal`: ingest rate and state/timeline latency percentiles on generated fleet data.
    struct Temporal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest generated property versions, then time state and timeline queries (P50/P90/P99 via HdrHistogram).",
            discussion: """
                Writes a record file of --versions property versions over --entities units (plus one DRIVES fact per 100 versions) \
                to a scratch directory, ingests it through the same path as apex ingest, then times --queries random state and \
                timeline queries. Reports records/s, latency percentiles in microseconds and the peak resident set size. \
                With --database-url the store is that PostgreSQL database, in a scratch schema created for the run and dropped after it. \
                With --graph-url facts go to a scratch graph on that FalkorDB server (deleted afterwards), the rest to the embedded \
                store or PostgreSQL.
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

        @OptionGroup var stores: BenchStoreOptions

        func validate() throws {
            guard versions > 0, entities > 0, queries > 0 else { throw ValidationError("--versions, --entities and --queries must be positive") }
        }

        func run() async throws {
            let directory = scratch ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("apex-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { if scratch == nil { try? FileManager.default.removeItem(atPath: directory) } }
            let benchmark = TemporalBenchmark(
                workload: TemporalWorkload(versions: versions, entities: entities, seed: seed), queries: queries, directory: directory,
                databaseURL: stores.databaseURL, graphURL: stores.graphURL, log: stores.log)
            stores.report(try await benchmark.run())
        }
    }

    /// `apex bench export`: export and import rates beside ingest of the same records.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time apex export and apex import of generated records beside apex ingest of them (medians of --runs).",
            discussion: """
                Writes the record file of apex bench temporal (--versions over --entities units), then each run ingests it into a \
                fresh embedded store, exports that store, and imports the export into another fresh embedded store; with \
                --database-url and/or --graph-url the export is also imported into scratch places on those servers, and the \
                embedded store is backfilled into other scratch places as apex move backfill does (all removed afterwards). \
                Reports records/s of each step (medians) and the ratios to ingest.
                """
        )

        @Option(name: .long, help: "Property versions to generate.")
        var versions = 500_000

        @Option(name: .long, help: "Entities the versions are spread over.")
        var entities = 10_000

        @Option(name: .long, help: "Runs; the figures are their medians.")
        var runs = 3

        @Option(name: .long, help: "Seed of the generated data.")
        var seed: UInt64 = 42

        @Option(name: .long, help: "Scratch directory (default: a new temporary directory, removed afterwards).")
        var scratch: String?

        @OptionGroup var stores: BenchStoreOptions

        func validate() throws {
            guard versions > 0, entities > 0, runs > 0 else { throw ValidationError("--versions, --entities and --runs must be positive") }
        }

        func run() async throws {
            let directory = scratch ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("apex-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { if scratch == nil { try? FileManager.default.removeItem(atPath: directory) } }
            let benchmark = DumpBenchmark(
                workload: TemporalWorkload(versions: versions, entities: entities, seed: seed), runs: runs, directory: directory,
                databaseURL: stores.databaseURL, graphURL: stores.graphURL, log: stores.log)
            stores.report(try await benchmark.run())
        }
    }

    /// `apex bench cache`: zipf-distributed state reads without and with the cache, and with writes among them.
    struct Cache: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time zipf-distributed state reads without the cache, with it, and with writes among them (hit ratios, P50/P90/P99).",
            discussion: """
                Ingests --entities units and drivers (one_to_one assignments) into the embedded store, a scratch PostgreSQL schema \
                (--database-url) and/or a scratch FalkorDB graph (--graph-url), then runs --operations state reads "as known now" \
                on entities drawn by a zipf law three times: without a cache, with the cache of --cache-url (a fresh namespace, \
                deleted afterwards), and with the cache while --write-percent of the operations are writes (status changes and \
                reassignments, which supersede). Reports latency percentiles in microseconds and the hit ratios.
                """
        )

        @Option(name: .long, help: "Entities (half units, half drivers).")
        var entities = 10_000

        @Option(name: .long, help: "Operations per phase.")
        var operations = 50_000

        @Option(name: .customLong("write-percent"), help: "Percentage of writes in the last phase.")
        var writePercent = 5

        @Option(name: .long, help: "The zipf exponent of the access pattern.")
        var zipf = 1.0

        @Option(name: .long, help: "Seed of the generated data and accesses.")
        var seed: UInt64 = 42

        @Option(name: .customLong("cache-url"), help: "redis://host:port (a fresh namespace) or memory:// (default: $APEX_CACHE_URL).")
        var cacheURL: String?

        @OptionGroup var stores: BenchStoreOptions

        func validate() throws {
            guard entities > 1, operations > 0 else { throw ValidationError("--entities must be at least 2 and --operations positive") }
            guard (0...100).contains(writePercent) else { throw ValidationError("--write-percent must be from 0 to 100") }
            guard zipf > 0 else { throw ValidationError("--zipf must be positive") }
        }

        func run() async throws {
            guard let url = cacheURL ?? ProcessInfo.processInfo.environment["APEX_CACHE_URL"].flatMap({ $0.isEmpty ? nil : $0 }) else {
                throw CLIError.badArgument("apex bench cache needs --cache-url redis://host:port (or memory://), or APEX_CACHE_URL")
            }
            let benchmark = CacheBenchmark(
                workload: CacheWorkload(entities: entities, exponent: zipf, seed: seed), operations: operations, writePercent: writePercent,
                databaseURL: stores.databaseURL, graphURL: stores.graphURL, cacheURL: url, log: stores.log)
            stores.report(try await benchmark.run())
        }
    }

    /// `apex bench write`: the write path across the stores, as `apex serve` takes writes.
    struct Write: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time a bulk ingest, single-entity HTTP writes and writes undone half way (P50/P90/P99 via HdrHistogram).",
            discussion: """
                On the embedded store or a scratch PostgreSQL schema (--database-url), with the graph in a scratch FalkorDB graph \
                (--graph-url) and the cache's invalidation on Redis (--cache-url, a fresh namespace): ingests --entities units and \
                drivers (the bulk rate), then sends --writes POSTs of one record each (a unit's status) to an in-process apex serve \
                on a loopback port, one after another, then makes --compensations writes fail right after their graph step and \
                times each until it has been undone. With a graph, apex verify runs at the end and must find the stores agreeing.
                """
        )

        @Option(name: .long, help: "Entities of the bulk ingest (half units, half drivers; 2.5 records each).")
        var entities = 10_000

        @Option(name: .long, help: "Single-entity writes over HTTP.")
        var writes = 2_000

        @Option(name: .long, help: "Writes made to fail after their graph step and undone.")
        var compensations = 200

        @Option(name: .long, help: "Seed of the generated data.")
        var seed: UInt64 = 42

        @Option(name: .customLong("cache-url"), help: "redis://host:port: invalidate a cache there around every write (default: $APEX_CACHE_URL; none).")
        var cacheURL: String?

        @OptionGroup var stores: BenchStoreOptions

        func validate() throws {
            guard entities > 1, writes > 0, compensations >= 0 else {
                throw ValidationError("--entities must be at least 2, --writes positive and --compensations not negative")
            }
        }

        func run() async throws {
            let cache = cacheURL ?? ProcessInfo.processInfo.environment["APEX_CACHE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            let benchmark = WriteBenchmark(
                workload: CacheWorkload(entities: entities, exponent: 1, seed: seed), writes: writes, compensations: compensations,
                databaseURL: stores.databaseURL, graphURL: stores.graphURL, cacheURL: cache, log: stores.log)
            stores.report(try await benchmark.run())
        }
    }

    /// `apex bench graph`: depth-limited neighbours at a time, on whichever stores are given.
    struct Graph: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest a generated graph, then time neighbours queries at random times (P50/P90/P99 via HdrHistogram).",
            discussion: """
                Generates --entities people and projects with --facts facts (KNOWS, many_to_many; WORKS_ON, many_to_one, so that \
                later assignments supersede earlier ones; some explicit ends), ingests them, then times --queries apex neighbors \
                queries of --depth hops from random people at random valid times (as known now). The store is the embedded one, \
                PostgreSQL with --database-url (a scratch schema) or the embedded store with the graph on FalkorDB with --graph-url \
                (a scratch graph). With --keep-graph the FalkorDB graph is kept and its name printed, so that a peer (graphiti-core's \
                BFS: scripts/bench/graphiti_bfs.py) can be timed on the same graph; delete it afterwards.
                """
        )

        @Option(name: .long, help: "Entities (people and projects).")
        var entities = 10_000

        @Option(name: .long, help: "Facts between them.")
        var facts = 100_000

        @Option(name: .long, help: "Queries to time.")
        var queries = 5_000

        @Option(name: .long, help: "Hops per query.")
        var depth = 2

        @Option(name: .long, help: "Seed of the generated data.")
        var seed: UInt64 = 42

        @OptionGroup var stores: BenchStoreOptions

        @Flag(name: .customLong("keep-graph"), help: "Keep the scratch FalkorDB graph and print its name.")
        var keepGraph = false

        func validate() throws {
            guard entities > 10, facts > 0, queries > 0 else { throw ValidationError("--entities must exceed 10; --facts and --queries must be positive") }
            guard (1...5).contains(depth) else { throw ValidationError("--depth must be 1 to 5") }
            if keepGraph, stores.graphURL == nil { throw ValidationError("--keep-graph needs --graph-url") }
        }

        func run() async throws {
            let benchmark = GraphBenchmark(
                workload: GraphWorkload(entities: entities, facts: facts, seed: seed), queries: queries, depth: depth,
                databaseURL: stores.databaseURL, graphURL: stores.graphURL, keepGraph: keepGraph, log: stores.log)
            stores.report(try await benchmark.run())
        }
    }

    /// `apex bench vector`: the in-process HNSW index against exact search.
    struct Vector: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build an HNSW index over generated vectors; report build time, memory, and QPS and recall@10 per ef_search.",
            discussion: """
                Vectors are clustered like embeddings (n/1000 Gaussian centres plus noise), compared by cosine. Recall is measured \
                against exact search over the same vectors; the build runs on --threads threads, queries on one. With --int8 the index keeps int8 codes \
                only and re-scores its best ef_search candidates with the float vectors. With --database-url the same vectors are \
                also inserted through the pgvector store into a scratch schema of that PostgreSQL database (HNSW, m 16, \
                ef_construction 64, as the migrations create it; indexed for 384, 1536 and 3072 dimensions) and searched with each \
                ef_search, so that both indexes are measured on the same data; the schema is dropped afterwards.
                """
        )

        @Option(name: .long, help: "Vectors to index.")
        var n = 100_000

        @Option(name: .long, help: "Dimensions.")
        var dim = 384

        @Option(name: .long, help: "Queries per ef_search value.")
        var queries = 1_000

        @Option(name: .long, help: "Links per node (layer 0 keeps twice as many).")
        var m = 16

        @Option(name: .customLong("ef-construction"), help: "Candidates kept while building.")
        var efConstruction = 64

        @Option(name: .customLong("ef-search"), parsing: .upToNextOption, help: "ef_search values to measure.")
        var efSearch: [Int] = [16, 32, 64, 128]

        @Option(name: .long, help: "Threads that build the index (queries run on one; default: every core).")
        var threads = ProcessInfo.processInfo.activeProcessorCount

        @Flag(name: .long, help: "Quantize the index to int8 codes (with float re-scoring).")
        var int8 = false

        @Option(name: .long, help: "Also write the vectors and queries (raw float32) to this directory, e.g. for scripts/bench/hnswlib_compare.py.")
        var export: String?

        @Option(name: .long, help: "Seed of the generated data.")
        var seed: UInt64 = 42

        @Option(name: .customLong("database-url"), help: "Also measure pgvector in this PostgreSQL database (postgres://...).")
        var databaseURL: String?

        @Flag(name: .long, help: "With --database-url, store and index the vectors as halfvec.")
        var halfvec = false

        @Flag(name: .long, help: "Print the figures as one JSON object.")
        var json = false

        func validate() throws {
            guard n > 10, dim > 0, queries > 0, m > 1, efConstruction > 0, threads > 0, efSearch.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--n must exceed 10 and every other figure must be positive")
            }
            if halfvec, databaseURL == nil { throw ValidationError("--halfvec measures pgvector: give --database-url too") }
        }

        func run() async throws {
            let quiet = json
            let benchmark = VectorBenchmark(
                count: n, dimension: dim, queries: queries, quantized: int8,
                parameters: HNSWParameters(m: m, efConstruction: efConstruction), buildThreads: threads, efValues: efSearch, seed: seed, exportDirectory: export,
                databaseURL: databaseURL, halfvec: halfvec, log: { message in if !quiet { Console.error("bench: " + message) } })
            let figures = try await benchmark.run()
            if json { print(JSONWriter.string(figures)) } else { Console.answer(figures) }
        }
    }

    /// `apex bench vectors-migrate`: the rate of `apex vectors migrate` on the embedded store.
    struct VectorsMigrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vectors-migrate",
            abstract: "Time apex vectors migrate on the embedded store: an index-only change and a re-embedding (medians of --runs).",
            discussion: """
                Seeds a memory of --chunks chunks (24 words each, mostly from one of 200 topics; 100 per document) embedded with the offline hashing embedder, \
                once per case and untimed, then for each of --runs copies it and times the whole migration as apex vectors migrate \
                runs it (reading the stored vectors, embedding, building and saving the new version's HNSW index with m 16 and \
                ef_construction 64, the swap). The index-only case moves to payload_indexes=part (the stored vectors are indexed \
                again); the re-embedding case moves vectors of 256 dimensions to --dimension (384 to 256 when --dimension is 256). \
                Reports vectors per second of the median run and the embedding rate.
                """
        )

        @Option(name: .long, help: "Chunks in the memory.")
        var chunks = 100_000

        @Option(name: .long, help: "Dimensions of the new version's vectors.")
        var dimension = 384

        @Option(name: .long, help: "Timed runs per case (the median is reported).")
        var runs = 3

        @Option(name: .long, help: "Scratch directory (default: a new temporary directory, removed afterwards).")
        var scratch: String?

        @Flag(name: .long, help: "Print the figures as one JSON object.")
        var json = false

        func validate() throws {
            guard chunks > 0, runs > 0 else { throw ValidationError("--chunks and --runs must be positive") }
            guard (8...4_096).contains(dimension) else { throw ValidationError("--dimension must be from 8 to 4096") }
        }

        func run() async throws {
            let directory = scratch ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("apex-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { if scratch == nil { try? FileManager.default.removeItem(atPath: directory) } }
            let quiet = json
            let figures = try await VectorMigrationBenchmark(
                chunks: chunks, dimension: dimension, runs: runs, directory: directory,
                log: { message in if !quiet { Console.error("bench: " + message) } }
            ).run()
            if json { print(JSONWriter.string(figures)) } else { Console.answer(figures) }
        }
    }
}

/// The options the store benchmarks share: which servers to run on, and how to print the figures.
struct BenchStoreOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "Benchmark PostgreSQL at this URL (postgres://..., a scratch schema) instead of the embedded store.")
    var databaseURL: String?

    @Option(name: .customLong("graph-url"), help: "Keep facts in a scratch graph on this FalkorDB server (falkordb://host:port).")
    var graphURL: String?

    @Flag(name: .long, help: "Print the figures as one JSON object.")
    var json = false

    /// Progress on standard error, unless the figures go out as JSON.
    var log: @Sendable (String) -> Void {
        let quiet = json
        return { message in if !quiet { Console.error("bench: " + message) } }
    }

    /// Prints the figures: one JSON object with --json, else readable.
    func report(_ figures: JSONValue) {
        if json { print(JSONWriter.string(figures)) } else { Console.answer(figures) }
    }
}
