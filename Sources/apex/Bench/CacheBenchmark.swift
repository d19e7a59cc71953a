import ApexCore
import ApexEngine
import ApexPorts
import ApexRedis
import Foundation
import Histogram

/// Runs `apex bench cache`: the same zipf-distributed state reads without the cache, with it, and with it under 5 % writes.
struct CacheBenchmark {
    let workload: CacheWorkload
    let operations: Int
    let writePercent: Int
    let databaseURL: String?
    let graphURL: String?
    let cacheURL: String
    let log: (String) -> Void

    func run() async throws -> JSONValue {
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("apex-bench-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recordFile = (directory as NSString).appendingPathComponent("cache-records.jsonl")
        let records = try workload.write(to: recordFile)
        let stores = try await BenchStores.open(directory: directory, databaseURL: databaseURL, graphURL: graphURL, log: log)
        let namespace = "bench_\(UUID().uuidString.prefix(8))"
        let redis = cacheURL == "memory://" ? nil : try RedisCacheStore.connect(url: cacheURL, namespace: namespace)
        do {
            log("ingesting \(records) records for \(workload.entities) entities")
            _ = try await MemoryService(store: stores.store).ingest(file: recordFile, ontologySource: CacheWorkload.ontology)
            let cacheStore: any CacheStore = redis ?? InProcessCacheStore()

            log("\(operations) state reads without the cache")
            let uncached = try await phase(MemoryService(store: stores.store), writes: 0, pass: 0)
            let cachedService = MemoryService(store: stores.store, cache: MemoryCache(store: cacheStore))
            log("\(operations) state reads with a cold cache (\(redis == nil ? "in-process" : "Redis, namespace \(namespace)"))")
            let cold = try await phase(cachedService, writes: 0, pass: 1)
            log("\(operations) state reads with the cache warm")
            let cached = try await phase(cachedService, writes: 0, pass: 2)
            log("\(operations) operations with the cache, \(writePercent) % of them writes")
            let mixed = try await phase(cachedService, writes: writePercent, pass: 3)

            try await redis?.deleteAll()
            await redis?.shutdown()
            try await stores.drop()
            let speedup = Double(uncached.reads.valueAtPercentile(50)) / Double(max(1, cached.reads.valueAtPercentile(50)))
            return .object([
                ("benchmark", "cache"), ("store", .string(stores.name)), ("cache", .string(redis == nil ? "memory" : "redis")),
                ("entities", .integer(Int64(workload.entities))), ("operations", .integer(Int64(operations))),
                ("zipf_exponent", .number(workload.exponent)),
                ("uncached_state_us", TemporalBenchmark.percentiles(uncached.reads)),
                ("cold_state_us", TemporalBenchmark.percentiles(cold.reads)),
                ("cold_hit_ratio", .number(TemporalBenchmark.round(cold.hitRatio * 1000) / 1000)),
                ("cached_state_us", TemporalBenchmark.percentiles(cached.reads)),
                ("cached_hit_ratio", .number(TemporalBenchmark.round(cached.hitRatio * 1000) / 1000)),
                ("p50_speedup", .number(TemporalBenchmark.round(speedup))),
                ("write_percent", .integer(Int64(writePercent))),
                ("with_writes_state_us", TemporalBenchmark.percentiles(mixed.reads)),
                ("with_writes_write_us", TemporalBenchmark.percentiles(mixed.writes)),
                ("with_writes_hit_ratio", .number(TemporalBenchmark.round(mixed.hitRatio * 1000) / 1000)),
            ])
        } catch {
            _ = try? await redis?.deleteAll()
            await redis?.shutdown()
            try? await stores.drop()
            throw error
        }
    }

    struct Phase {
        var reads = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var writes = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var hitRatio = 0.0
    }

    /// `operations` operations (a sequence of their own per pass): zipf-chosen state reads "as known now", and `writes` % writes.
    private func phase(_ service: MemoryService, writes: Int, pass: UInt64) async throws -> Phase {
        let zipf = ZipfSampler(count: workload.entities, exponent: workload.exponent)
        var random = SplitMix64(seed: workload.seed ^ (0xCAC4E &* (pass + 1)))
        var result = Phase()
        let before = service.cache?.counters.totals
        let clock = ContinuousClock()
        for index in 0..<operations {
            let entity = workload.entity(rank: zipf.next(&random))
            if Int(random.next() % 100) < writes {
                let record: String
                let at = Timestamp(microseconds: service.now.microseconds - CacheWorkload.day * 30 + Int64(index))
                if entity.type == "Driver", let number = Int(entity.key.dropFirst(2)) {
                    record = CacheWorkload.assignment(driver: number, unit: Int(random.next() % UInt64(workload.units)), at: at)
                } else {
                    record = #"{"kind":"state","entity":{"type":"\#(entity.type)","key":"\#(entity.key)"},"valid_at":"\#(at)","set":{"status":"active"}}"#
                }
                let began = clock.now
                _ = try await service.ingest(body: Array(record.utf8), format: .jsonLines)
                _ = result.writes.record(TemporalBenchmark.microseconds(clock.now - began))
            } else {
                let began = clock.now
                _ = try await service.state(of: entity)
                _ = result.reads.record(TemporalBenchmark.microseconds(clock.now - began))
            }
        }
        if let before, let after = service.cache?.counters.totals {
            let hits = after.hits - before.hits
            let lookups = hits + after.misses - before.misses
            result.hitRatio = lookups == 0 ? 0 : Double(hits) / Double(lookups)
        }
        return result
    }
}
