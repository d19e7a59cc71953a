import ApexCore
import ApexEngine
import ApexHTTP
import ApexPorts
import ApexRedis
import Foundation
import FoundationNetworking
import Histogram
import Logging
import ServiceLifecycle

/// Runs `apex bench write`: a bulk ingest, single-entity writes over HTTP, and writes made to fail half way and undone.
///
/// Every write is a saga across the record store and the graph (when a graph is
/// given) with the cache's invalidation around it: what `apex serve` does.
struct WriteBenchmark {
    let workload: CacheWorkload
    let writes: Int
    let compensations: Int
    let databaseURL: String?
    let graphURL: String?
    let cacheURL: String?
    let log: @Sendable (String) -> Void

    func run() async throws -> JSONValue {
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("apex-bench-write-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recordFile = (directory as NSString).appendingPathComponent("write-records.jsonl")
        let records = try workload.write(to: recordFile)
        let stores = try await BenchStores.open(directory: directory, databaseURL: databaseURL, graphURL: graphURL, log: log)
        let redis = try cacheURL.map { try RedisCacheStore.connect(url: $0, namespace: "bench_\(UUID().uuidString.prefix(8))") }
        do {
            let memory = MemoryService(store: stores.store, cache: redis.map { MemoryCache(store: $0) })
            let clock = ContinuousClock()
            log("bulk ingest of \(records) records for \(workload.entities) entities")
            let began = clock.now
            _ = try await memory.ingest(file: recordFile, ontologySource: CacheWorkload.ontology)
            let bulkSeconds = (clock.now - began) / .seconds(1)

            log("\(writes) single-entity writes over HTTP")
            let http = try await httpWrites(memory)
            log("\(compensations) writes failed after the graph step and undone")
            let undone = try await compensatedWrites(memory)
            var agrees = true
            if let composed = stores.store as? ComposedStore {
                log("apex verify")
                agrees = try await StoreVerifier(store: composed).compare(stores: [stores.name], now: memory.now).agrees
            }
            try await redis?.deleteAll()
            await redis?.shutdown()
            try await stores.drop()
            return .object([
                ("benchmark", "write"), ("store", .string(stores.name)), ("cache", .string(redis == nil ? "none" : "redis")),
                ("bulk_records", .integer(Int64(records))), ("bulk_seconds", .number(TemporalBenchmark.round(bulkSeconds))),
                ("bulk_records_per_second", .number(TemporalBenchmark.round(Double(records) / max(bulkSeconds, 1e-9)))),
                ("http_writes", .integer(Int64(writes))), ("http_write_us", TemporalBenchmark.percentiles(http)),
                ("compensated_writes", .integer(Int64(compensations))), ("compensated_saga_us", TemporalBenchmark.percentiles(undone)),
                ("stores_agree_afterwards", .bool(agrees)),
            ])
        } catch {
            _ = try? await redis?.deleteAll()
            await redis?.shutdown()
            try? await stores.drop()
            throw error
        }
    }

    /// One record changing one unit's status, at a valid time of its own.
    func record(_ index: Int) -> String {
        let unit = CacheWorkload.unitKey(index % workload.units)
        let at = Timestamp(microseconds: CacheWorkload.start.microseconds + 200 * CacheWorkload.day + Int64(index) * 1_000_000)
        let status = index.isMultiple(of: 2) ? "in_repair" : "active"
        return #"{"kind":"state","entity":{"type":"Unit","key":"\#(unit)"},"valid_at":"\#(at)","set":{"status":"\#(status)"}}"#
    }

    /// `writes` POSTs of one record each to an in-process `apex serve` on a loopback port, one after another on one connection.
    func httpWrites(_ memory: MemoryService) async throws -> Histogram<UInt64> {
        var logger = Logger(label: "apex-bench")
        logger.logLevel = .error
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = ApexServer.application(
            api: MemoryAPI(memory: memory), host: "127.0.0.1", port: 0, logger: logger, onServerRunning: { port in portSink.yield(port) })
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Histogram<UInt64>?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CLIError.badArgument("the benchmark's server did not start") }
            let session = URLSession(configuration: .ephemeral)
            let url = URL(string: "http://127.0.0.1:\(port)/api/v1/records")!
            var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            let clock = ContinuousClock()
            for index in 0..<(writes + 20) {
                var request = URLRequest(url: url)
                request.httpMethod = "POST"
                request.setValue("application/x-ndjson", forHTTPHeaderField: "Content-Type")
                request.httpBody = Data(record(index).utf8)
                let began = clock.now
                let (body, response) = try await session.data(for: request)
                let elapsed = clock.now - began
                guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                    throw CLIError.badArgument("a benchmark write was refused: \(String(decoding: body, as: UTF8.self))")
                }
                // The first twenty warm the connection and the prepared statements.
                if index >= 20 { _ = histogram.record(TemporalBenchmark.microseconds(elapsed)) }
            }
            session.invalidateAndCancel()
            await group.triggerGracefulShutdown()
            for try await _ in tasks {}
            return histogram
        }
    }

    /// `compensations` writes made to fail right after their graph step: the time from the call to the failure, which
    /// includes undoing the graph step and noting the saga compensated.
    func compensatedWrites(_ memory: MemoryService) async throws -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        let clock = ContinuousClock()
        for index in 0..<compensations {
            FaultPoint.failNext(at: "ingest.graph")
            let began = clock.now
            do {
                _ = try await memory.ingest(body: Array(record(writes + 20 + index).utf8), format: .jsonLines)
                // Without a graph apart there is no saga: nothing to undo.
                guard memory.store is ComposedStore else { break }
                throw CLIError.badArgument("a write meant to fail half way succeeded")
            } catch is FaultInjected {
                _ = histogram.record(TemporalBenchmark.microseconds(clock.now - began))
            }
        }
        return histogram
    }
}
