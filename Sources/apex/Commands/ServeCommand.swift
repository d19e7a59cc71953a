import ApexCore
import ApexEngine
import ApexHTTP
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `apex serve`: the HTTP API over the embedded store, or over PostgreSQL with `--database-url`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (see /openapi.yaml) over the memory in --data, or in PostgreSQL with --database-url.",
        discussion: """
            Binds to 127.0.0.1:8080 unless told otherwise; --port 0 picks a free port. Stops gracefully on SIGINT or SIGTERM. \
            With --example, a memory that has no ontology yet is first loaded with examples/logistics (ontology and records).
            """
    )

    @Option(name: .long, help: "The address to bind.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The port to listen on (0: any free port).")
    var port = 8080

    @Flag(name: .long, help: "Load the example fleet into an empty memory before serving.")
    var example = false

    @Option(name: .customLong("example-dir"), help: "Where the example's ontology.yaml and records.jsonl are.")
    var exampleDirectory = "examples/logistics"

    @Option(name: .customLong("max-body-size"), help: "The largest request body accepted, in bytes.")
    var maximumBodySize = 10 * 1024 * 1024

    @Option(name: .customLong("max-running"), help: "Requests answered at once; more wait their turn in arrival order (default: 8 per core).")
    var maxRunning = 8 * ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("max-waiting"), help: "Requests that may wait for a turn; beyond, 503 overloaded at once.")
    var maxWaiting = 4096

    @Option(
        name: .customLong("cache-warm"),
        help: "With --cache-url: on start, read the N most read entities (by the cache's read counts) in the background, so that their entries are filled.")
    var cacheWarm = 1_000

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @OptionGroup var options: DataOptions
    @OptionGroup var embedding: EmbedderOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        guard maximumBodySize > 0 else { throw ValidationError("--max-body-size must be positive") }
        guard maxRunning > 0 else { throw ValidationError("--max-running must be positive") }
        guard maxWaiting >= 0 else { throw ValidationError("--max-waiting must not be negative") }
        guard cacheWarm >= 0 else { throw ValidationError("--cache-warm must not be negative") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a log level") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "apex")
        // Metrics first: the cache's counters are made when the service opens, and must be Prometheus's.
        _ = ApexServer.registry
        let memory = try await options.openService(mustExist: false, followsMoves: true)
        if example { try await loadExample(into: memory, logger: logger) }
        let host = self.host
        let (documents, finish) = try await options.documentService(memory, embedding)
        try await documents.checkEmbedder()
        let app = ApexServer.application(
            api: MemoryAPI(memory: memory, maximumBodySize: maximumBodySize),
            documents: DocumentAPI(documents: documents, maximumBodySize: maximumBodySize),
            gate: AdmissionGate(maxRunning: maxRunning, maxWaiting: maxWaiting), host: host, port: port, logger: logger,
            onServerRunning: { port in
                FileHandle.standardOutput.write(Data("apex listening on http://\(host):\(port)\n".utf8))
            })
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        // Warming runs beside the server: readiness does not wait for it.
        let warming = memory.cache == nil || cacheWarm == 0 ? nil : Task { [cacheWarm] in
            let clock = ContinuousClock()
            let started = clock.now
            let (warmed, asked) = await memory.warmCache(limit: cacheWarm)
            let seconds = (clock.now - started) / .seconds(1)
            logger.info("cache warmed", metadata: ["entities": "\(warmed)", "hottest_known": "\(asked)", "seconds": "\(String(format: "%.2f", seconds))"])
        }
        try await group.run()
        warming?.cancel()
        if let cache = memory.cache {
            await cache.flushReads()
            let (hits, misses, waits, errors) = cache.counters.totals
            let ratio = cache.counters.hitRatio.map { String(format: "%.3f", $0) } ?? "none"
            logger.info(
                "cache at shutdown", metadata: ["hit_ratio": "\(ratio)", "hits": "\(hits)", "misses": "\(misses)", "single_flight_waits": "\(waits)", "errors": "\(errors)"])
        }
        // Stopped gracefully: save the vector graph so that the next start need not rebuild it.
        try await finish()
    }

    private func loadExample(into memory: MemoryService, logger: Logger) async throws {
        guard try await memory.storedOntology() == nil else { return }
        let ontologyPath = (exampleDirectory as NSString).appendingPathComponent("ontology.yaml")
        let recordsPath = (exampleDirectory as NSString).appendingPathComponent("records.jsonl")
        guard let source = try? String(contentsOfFile: ontologyPath, encoding: .utf8) else {
            throw CLIError.cannotRead(path: ontologyPath, reason: "no such readable file (run apex serve --example from the repository root, or pass --example-dir)")
        }
        let summary = try await memory.ingest(file: recordsPath, ontologySource: source)
        logger.info("loaded the example", metadata: ["records": "\(summary.accepted)", "entities": "\(summary.newEntities)"])
    }
}
