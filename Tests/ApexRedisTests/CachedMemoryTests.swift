import ApexCore
@testable import ApexEngine
import ApexPorts
import ApexRedis
import ApexSQLite
import ApexTesting
import ApexVector
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The engine over a real store and a real Redis: never stale across "processes" (two services with caches of their own),
/// through Redis outages and pauses, with one store read per cold key.
@Suite struct CachedMemoryTests {
    static let tractor = EntityRef(type: "Tractor", key: "6520")
    static let other = EntityRef(type: "Tractor", key: "6530")
    static let driver = EntityRef(type: "Driver", key: "D-17")

    /// A fresh embedded memory with D-17 assigned to 6520, and `count` services over it, each with a cache of its own on `url`.
    static func services(
        _ count: Int, cacheURL: String, namespace: String, retryAfter: Duration = .seconds(1), fillWait: Duration = .milliseconds(250)
    ) async throws -> [MemoryService] {
        let directory = try SpecFixtures.temporaryDirectory()
        var services: [MemoryService] = []
        for _ in 0..<count {
            let cache = MemoryCache(
                store: try RedisCacheStore.connect(url: cacheURL, namespace: namespace, commandTimeout: .seconds(1)),
                settings: CacheSettings(fillWait: fillWait, retryAfter: retryAfter))
            services.append(MemoryService(store: try await SQLiteStore.open(directory: directory), cache: cache))
        }
        try await services[0].ingest(lines: [
            SpecFixtures.state("6520", "2025-01-01T00:00:00Z", set: #"{"status":"active"}"#),
            SpecFixtures.state("6530", "2025-01-01T00:00:00Z", set: #"{"status":"active"}"#),
            SpecFixtures.fact("ASSIGNED_TO", from: ("Driver", "D-17"), to: ("Tractor", "6520"), validAt: "2025-02-01T00:00:00Z"),
        ])
        return services
    }

    static func relations(_ memory: MemoryService, _ ref: EntityRef) async throws -> [String] {
        try await memory.state(of: ref).relations.map { "\($0.relation) \($0.from.ref) \($0.to.ref)" }
    }

    @Test func aWriteThroughOneServiceIsSeenByTheOtherIncludingTheSupersededRelation() async throws {
        let services = try await Self.services(2, cacheURL: try RedisTestServer.url(), namespace: RedisTestServer.freshNamespace())
        let (writer, reader) = (services[0], services[1])
        // Warm the reader's cache, and check it answers from it.
        #expect(try await Self.relations(reader, Self.tractor) == ["ASSIGNED_TO Driver/D-17 Tractor/6520"])
        let before = reader.cache?.counters.totals.hits ?? 0
        #expect(try await Self.relations(reader, Self.tractor) == ["ASSIGNED_TO Driver/D-17 Tractor/6520"])
        #expect((reader.cache?.counters.totals.hits ?? 0) > before, "the second read is a hit")

        // D-17 moves to 6530: a record that names D-17 and 6530, never 6520, whose answer changes through supersession.
        try await writer.ingest(lines: [SpecFixtures.fact("ASSIGNED_TO", from: ("Driver", "D-17"), to: ("Tractor", "6530"), validAt: "2025-06-01T00:00:00Z")])
        #expect(try await Self.relations(reader, Self.tractor) == [], "6520 lost its driver to a later assignment")
        #expect(try await Self.relations(reader, Self.other) == ["ASSIGNED_TO Driver/D-17 Tractor/6530"])

        // A property change is seen too, and an explicit known_at before it (cached under that time) still answers as then.
        let beforeRepair = reader.now
        #expect(try await reader.value(of: Self.tractor, "status", at: "2025-07-02T00:00:00Z") == "active")
        let then = try await reader.state(of: Self.tractor, at: SpecFixtures.time("2025-07-02T00:00:00Z"), knownAt: beforeRepair)
        try await Task.sleep(for: .milliseconds(2))
        try await writer.ingest(lines: [SpecFixtures.state("6520", "2025-07-01T00:00:00Z", set: #"{"status":"in_repair"}"#)])
        #expect(try await reader.value(of: Self.tractor, "status", at: "2025-07-02T00:00:00Z") == "in_repair")
        for _ in 0..<2 {
            let again = try await reader.state(of: Self.tractor, at: SpecFixtures.time("2025-07-02T00:00:00Z"), knownAt: beforeRepair)
            #expect(again.properties.map { $0.1 } == then.properties.map { $0.1 }, "as known before the write")
            #expect(again.properties.first { $0.0 == "status" }?.1 == "\"active\"")
        }
    }

    @Test func neighboursFromTheCacheAreThoseOfTheStoresAcrossASupersedingWrite() async throws {
        let services = try await Self.services(1, cacheURL: try RedisTestServer.url(), namespace: RedisTestServer.freshNamespace())
        let cached = services[0]
        let plain = MemoryService(store: cached.store)
        try await cached.ingest(lines: [
            SpecFixtures.fact("KNOWS", from: ("Driver", "D-17"), to: ("Driver", "D-22"), validAt: "2025-01-10T00:00:00Z"),
            SpecFixtures.fact("ASSIGNED_TO", from: ("Driver", "D-22"), to: ("Tractor", "6530"), validAt: "2025-02-01T00:00:00Z"),
            SpecFixtures.fact("DISPATCHED_TO", from: ("Load", "L-1"), to: ("Driver", "D-22"), validAt: "2025-03-01T00:00:00Z"),
            SpecFixtures.fact("DISPATCHED_TO", from: ("Load", "L-2"), to: ("Driver", "D-17"), validAt: "2025-03-02T00:00:00Z"),
        ])
        func same(_ label: String) async throws {
            let now = cached.now
            for depth in 1...3 {
                for ref in [Self.tractor, Self.driver, EntityRef(type: "Load", key: "L-1")] {
                    let fromCache = try await cached.neighbors(of: ref, at: now, knownAt: now, depth: depth).json
                    let fromStores = try await plain.neighbors(of: ref, at: now, knownAt: now, depth: depth).json
                    #expect(fromCache == fromStores, "\(label): \(ref) depth \(depth)")
                    #expect(try await cached.neighbors(of: ref, depth: depth).neighbors.count == plain.neighbors(of: ref, depth: depth).neighbors.count)
                }
            }
        }
        try await same("cold")
        try await same("warm")
        // L-1 goes to D-17 (many_to_one: supersedes its dispatch to D-22), a record that never names D-22.
        try await cached.ingest(lines: [SpecFixtures.fact("DISPATCHED_TO", from: ("Load", "L-1"), to: ("Driver", "D-17"), validAt: "2025-04-01T00:00:00Z")])
        try await same("after the superseding write")
        let twoHops = try await cached.neighbors(of: EntityRef(type: "Tractor", key: "6530"), depth: 2).neighbors.map(\.entity.ref.key)
        #expect(!twoHops.contains("L-1"), "L-1 is no longer dispatched to 6530's driver: \(twoHops)")
    }

    @Test func searchAnswersFromTheCacheSeeEveryDocumentWrite() async throws {
        let services = try await Self.services(2, cacheURL: try RedisTestServer.url(), namespace: RedisTestServer.freshNamespace())
        let embedder = FeatureHashingEmbedder(dimension: 32)
        let documents = services.map { memory in
            DocumentService(
                store: memory.store,
                vectors: EmbeddedVectorStore(dimension: 32) {
                    try await memory.store.allChunkVectors().map { VectorItem(id: $0.rowID, vector: $0.vector, payload: $0.metadata) }
                }, embedder: embedder, cache: memory.cache)
        }
        let (writer, reader) = (documents[0], documents[1])
        #expect(try await reader.search("windshield", mode: .text).isEmpty)
        let saved = try await writer.save(DocumentInput(title: "Inspection", content: "Cracked windshield on tractor 6520, replaced on site."))
        let found = try await reader.search("windshield", mode: .text)
        #expect(found.map(\.chunk.documentID) == [saved.id], "the reader's cached empty answer is not served after the save")
        let hits = services[1].cache?.counters.totals.hits ?? 0
        #expect(try await reader.search("windshield", mode: .text) == found)
        #expect((services[1].cache?.counters.totals.hits ?? 0) == hits + 1, "the same question again is a hit")
        try await writer.delete(saved.id)
        #expect(try await reader.search("windshield", mode: .text).isEmpty, "nor the old answer after the delete")
    }

    @Test func anEntityByIdIsFoundFromTheCacheAndAnUnknownIdIsNot() async throws {
        let services = try await Self.services(2, cacheURL: try RedisTestServer.url(), namespace: RedisTestServer.freshNamespace())
        let id = try await services[0].state(of: Self.tractor).entity.id
        let first = try await services[1].state(of: id)
        let hits = services[1].cache?.counters.totals.hits ?? 0
        let again = try await services[1].state(of: id)
        #expect(again.entity == first.entity && again.entity.ref == Self.tractor)
        #expect((services[1].cache?.counters.totals.hits ?? 0) >= hits + 2, "the id and the snapshot both come from the cache")
        let unknown = EntityID(high: 1, low: 1)
        for _ in 0..<2 {
            await #expect(throws: QueryError.self) { try await services[1].state(of: unknown) }
        }
    }

    @Test func aHubWithMorePartnersThanAnEntryMayHoldIsReadFromTheStores() async throws {
        let services = try await Self.services(1, cacheURL: try RedisTestServer.url(), namespace: RedisTestServer.freshNamespace())
        let memory = services[0]
        let count = MemoryService.mostPartners + 10
        try await memory.ingest(lines: (0..<count).map { index in
            SpecFixtures.fact("OWNS", from: ("Company", "CO-1"), to: ("Tractor", "T-\(index)"), validAt: "2025-01-05T00:00:00Z")
        })
        let hub = EntityRef(type: "Company", key: "CO-1")
        #expect(try await memory.state(of: hub).relations.count == count)
        let hits = memory.cache?.counters.totals.hits ?? 0
        #expect(try await memory.state(of: hub).relations.count == count)
        #expect(memory.cache?.counters.totals.hits == hits, "no entry was stored for the hub")
        // A tractor has one partner (its owner): it is cached as usual.
        _ = try await memory.state(of: EntityRef(type: "Tractor", key: "T-0"))
        _ = try await memory.state(of: EntityRef(type: "Tractor", key: "T-0"))
        #expect((memory.cache?.counters.totals.hits ?? 0) == hits + 1)
    }

    @Test func aNewProcessWarmsTheEntitiesReadMostBeforeItsFirstRequest() async throws {
        let namespace = RedisTestServer.freshNamespace()
        let services = try await Self.services(2, cacheURL: try RedisTestServer.url(), namespace: namespace)
        let (first, next) = (services[0], services[1])
        for _ in 0..<3 { _ = try await first.state(of: Self.tractor) }
        _ = try await first.state(of: Self.other)
        await first.cache?.flushReads()
        // The entries the first one filled are dropped (a write names both), as after a restart of a cold cache.
        try await first.ingest(lines: [
            SpecFixtures.state("6520", "2025-01-02T00:00:00Z", set: #"{"status":"active"}"#),
            SpecFixtures.state("6530", "2025-01-02T00:00:00Z", set: #"{"status":"active"}"#),
        ])
        let (warmed, asked) = await next.warmCache(limit: 10)
        #expect(asked == 2 && warmed == 2, "warmed \(warmed) of \(asked)")
        let hits = next.cache?.counters.totals.hits ?? 0
        _ = try await next.state(of: Self.tractor)
        #expect((next.cache?.counters.totals.hits ?? 0) == hits + 1, "the first request after warming is a hit")
    }

    @Test func redisKilledAndRestartedAnswersFromTheStoresThenFromTheCacheAgain() async throws {
        let (redis, process) = try await PrivateRedis.start()
        var processes = [process]
        defer { for process in processes { process.stopAndRemove() } }
        let services = try await Self.services(1, cacheURL: redis.url, namespace: "outage", retryAfter: .milliseconds(200))
        let memory = services[0]
        #expect(try await Self.relations(memory, Self.tractor) == ["ASSIGNED_TO Driver/D-17 Tractor/6520"])

        process.stop()
        let cacheHealth = await memory.health().first { $0.name == "cache" }
        #expect(cacheHealth?.healthy == false, "the cache is reported down: \(String(describing: cacheHealth))")
        #expect(try await Self.relations(memory, Self.tractor) == ["ASSIGNED_TO Driver/D-17 Tractor/6520"], "answers come from the store")
        await #expect(throws: WriteError.self, "a write that cannot invalidate is refused") {
            try await memory.ingest(lines: [SpecFixtures.state("6520", "2025-08-01T00:00:00Z", set: #"{"status":"retired"}"#)])
        }
        #expect(try await memory.value(of: Self.tractor, "status", at: "2025-09-01T00:00:00Z") == "active", "nothing was written")

        guard let restarted = try await redis.run() else {
            Issue.record("the private Redis did not restart on port \(redis.port)")
            return
        }
        processes.append(restarted)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await Self.relations(memory, Self.tractor) == ["ASSIGNED_TO Driver/D-17 Tractor/6520"])
        let hits = memory.cache?.counters.totals.hits ?? 0
        #expect(try await Self.relations(memory, Self.tractor) == ["ASSIGNED_TO Driver/D-17 Tractor/6520"])
        #expect((memory.cache?.counters.totals.hits ?? 0) > hits, "the cache is used again once Redis is back")
        try await memory.ingest(lines: [SpecFixtures.state("6520", "2025-08-01T00:00:00Z", set: #"{"status":"retired"}"#)])
        #expect(try await memory.value(of: Self.tractor, "status", at: "2025-09-01T00:00:00Z") == "retired")
    }

    @Test func redisPausedDuringAWriteLeavesNoStaleAnswer() async throws {
        let (redis, process) = try await PrivateRedis.start()
        defer { process.stopAndRemove() }
        let services = try await Self.services(2, cacheURL: redis.url, namespace: "paused", retryAfter: .milliseconds(100))
        let (writer, reader) = (services[0], services[1])
        #expect(try await Self.relations(reader, Self.tractor) == ["ASSIGNED_TO Driver/D-17 Tractor/6520"])
        #expect(try await Self.relations(reader, Self.tractor) == ["ASSIGNED_TO Driver/D-17 Tractor/6520"], "cached")

        // Paused before the write: the write cannot invalidate, so it is refused and nothing changes.
        kill(process.pid, SIGSTOP)
        await #expect(throws: WriteError.self) {
            try await writer.ingest(lines: [SpecFixtures.fact("ASSIGNED_TO", from: ("Driver", "D-17"), to: ("Tractor", "6530"), validAt: "2025-06-01T00:00:00Z")])
        }
        kill(process.pid, SIGCONT)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await Self.relations(reader, Self.tractor) == ["ASSIGNED_TO Driver/D-17 Tractor/6520"])

        // Paused after the write began (its invalidation went through) and resumed after it committed: the end
        // of the write fails, the write stands, and no reader sees the old answer.
        let pausing = PausingOnce(pid: process.pid)
        let writing = Task {
            try await writer.ingest(
                file: try SpecFixtures.writeTemporaryFile([
                    SpecFixtures.fact("ASSIGNED_TO", from: ("Driver", "D-17"), to: ("Tractor", "6530"), validAt: "2025-06-01T00:00:00Z")
                ]), ontologySource: nil, progress: { _ in pausing.pause() })
        }
        _ = try await writing.value
        #expect(pausing.paused, "Redis was paused while the stores wrote")
        kill(process.pid, SIGCONT)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await Self.relations(reader, Self.tractor) == [], "6520's old answer is not served")
        #expect(try await Self.relations(reader, Self.other) == ["ASSIGNED_TO Driver/D-17 Tractor/6530"])
        #expect(try await Self.relations(writer, Self.tractor) == [])
    }

    @Test func aHundredConcurrentMissesForOneKeyReadTheStoreOnce() async throws {
        let namespace = RedisTestServer.freshNamespace()
        // Waiters wait long enough for the one filler even on a loaded machine (a hundred of them poll Redis meanwhile).
        let services = try await Self.services(2, cacheURL: try RedisTestServer.url(), namespace: namespace, fillWait: .seconds(5))
        let reads = ReadCounter()
        let key = CacheKey(.temporalFacts, owner: Self.tractor, question: "single-flight")
        // Fifty callers in each of two services (two processes' worth of callers), all on a cold key.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<100 {
                let memory = services[index % 2]
                group.addTask {
                    guard let cache = memory.cache else { return -1 }
                    return try await cache.value(
                        key, decode: { $0.count == 8 ? Int($0[0]) : nil }, accept: { _ in true },
                        compute: {
                            reads.increment()
                            let snapshot = try await memory.store.snapshot(of: Self.tractor, property: nil, includeFacts: true, knownAt: memory.now)
                            try await Task.sleep(for: .milliseconds(50))
                            let count = snapshot.facts.count
                            return MemoryCache.Computed(
                                value: count, fill: MemoryCache.Fill(key: key, bytes: [UInt8(count)] + [UInt8](repeating: 0, count: 7), partners: []))
                        })
                }
            }
            for try await value in group { #expect(value == 1) }
        }
        #expect(reads.count == 1, "one store read for a hundred concurrent misses")
        let waits = services.map { $0.cache?.counters.totals.waits ?? 0 }.reduce(0, +)
        let hits = services.map { $0.cache?.counters.totals.hits ?? 0 }.reduce(0, +)
        #expect(waits + hits == 99 && waits > 0, "the other 99 waited for it (\(waits)) or found its entry (\(hits))")
    }
}

/// Counts the store reads of a test.
final class ReadCounter: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

/// Pauses a process (SIGSTOP) the first time it is called: the hook of an ingest's progress, which runs while the stores write.
final class PausingOnce: Sendable {
    let pid: pid_t
    private let done = Atomic<Bool>(false)

    init(pid: pid_t) { self.pid = pid }

    var paused: Bool { done.load(ordering: .relaxed) }

    func pause() {
        if done.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged { kill(pid, SIGSTOP) }
    }
}
