import ApexCore
import ApexEngine
import ApexPorts
import ApexRESP
import ApexRedis
import ApexTesting
import Testing

/// The generation protocol of docs/cache.md, checked on both cache adapters: the in-process one and Redis.
@Suite struct CacheStoreConformanceTests {
    enum Adapter: String, CaseIterable, CustomTestStringConvertible {
        case inProcess, redis
        var testDescription: String { rawValue }
    }

    static func make(_ adapter: Adapter) throws -> any CacheStore {
        switch adapter {
        case .inProcess: InProcessCacheStore(writeLease: .seconds(30))
        case .redis: try RedisCacheStore.connect(url: try RedisTestServer.url(), namespace: RedisTestServer.freshNamespace())
        }
    }

    static func close(_ store: any CacheStore) async {
        if let redis = store as? RedisCacheStore { await redis.shutdown() }
    }

    let truck = EntityRef(type: "Tractor", key: "6520 \"quoted\" \u{00e9}\n{braces}")
    let driver = EntityRef(type: "Driver", key: "D-17")
    let other = EntityRef(type: "Driver", key: "D-22")

    func key(_ owner: EntityRef?, _ question: String = "snapshot|facts|*|latest") -> CacheKey {
        CacheKey(.temporalFacts, owner: owner, question: question)
    }

    @Test(arguments: Adapter.allCases)
    func aFilledEntryIsFoundUntilAWriteNamesItsOwner(_ adapter: Adapter) async throws {
        let cache = try Self.make(adapter)
        defer { Task { await Self.close(cache) } }
        let first = try await cache.lookup(key(truck))
        #expect(first.value == nil)
        #expect(!first.stamp.busy)
        #expect(try await cache.fill(key(truck), value: [1, 2, 0, 3], partners: [], ttl: .seconds(60), stamp: first.stamp))
        #expect(try await cache.lookup(key(truck)).value == [1, 2, 0, 3])

        let write = CacheWriteScope(entities: [truck])
        try await cache.beginWrite(write)
        let during = try await cache.lookup(key(truck))
        #expect(during.value == nil, "a write in progress invalidates at once")
        #expect(during.stamp.busy)
        #expect(try await !cache.fill(key(truck), value: [9], partners: [], ttl: .seconds(60), stamp: during.stamp), "no fill while busy")
        try await cache.endWrite(write)
        #expect(try await !cache.fill(key(truck), value: [9], partners: [], ttl: .seconds(60), stamp: during.stamp), "a stamp from before the end is stale")
        let after = try await cache.lookup(key(truck))
        #expect(after.value == nil && !after.stamp.busy)
        #expect(try await cache.fill(key(truck), value: [7], partners: [], ttl: .seconds(60), stamp: after.stamp))
        #expect(try await cache.lookup(key(truck)).value == [7])
    }

    @Test(arguments: Adapter.allCases)
    func aWriteNamingOnlyAPartnerInvalidatesTheEntry(_ adapter: Adapter) async throws {
        let cache = try Self.make(adapter)
        defer { Task { await Self.close(cache) } }
        let stamp = try await cache.lookup(key(truck)).stamp
        #expect(try await cache.fill(key(truck), value: [1], partners: [driver], ttl: .seconds(60), stamp: stamp))
        try await cache.beginWrite(CacheWriteScope(entities: [other]))
        try await cache.endWrite(CacheWriteScope(entities: [other]))
        #expect(try await cache.lookup(key(truck)).value == [1], "a write about someone else leaves it")
        try await cache.beginWrite(CacheWriteScope(entities: [driver], supersedes: true))
        #expect(try await cache.lookup(key(truck)).value == nil, "the driver's new assignment may supersede the truck's")
        try await cache.endWrite(CacheWriteScope(entities: [driver], supersedes: true))
    }

    @Test(arguments: Adapter.allCases)
    func aFillWithPartnersIsRefusedWhenASupersedingWriteRanMeanwhile(_ adapter: Adapter) async throws {
        let cache = try Self.make(adapter)
        defer { Task { await Self.close(cache) } }
        let stamp = try await cache.lookup(key(truck)).stamp
        // A write that completed between this reader's store read and its fill, naming an entity the reader did not know to watch.
        try await cache.beginWrite(CacheWriteScope(entities: [other], supersedes: true))
        try await cache.endWrite(CacheWriteScope(entities: [other], supersedes: true))
        #expect(try await !cache.fill(key(truck), value: [1], partners: [driver], ttl: .seconds(60), stamp: stamp))
        #expect(try await cache.fill(key(truck), value: [1], partners: [], ttl: .seconds(60), stamp: stamp), "without partners the epoch does not matter")
    }

    @Test(arguments: Adapter.allCases)
    func everythingGoesOnAnOntologyChange(_ adapter: Adapter) async throws {
        let cache = try Self.make(adapter)
        defer { Task { await Self.close(cache) } }
        let search = CacheKey(.queryResult, owner: nil, question: "search|hybrid|10|glass damage")
        let stamp = try await cache.lookup(search).stamp
        #expect(try await cache.fill(search, value: [5], partners: [], ttl: .seconds(60), stamp: stamp))
        let truckStamp = try await cache.lookup(key(truck)).stamp
        #expect(try await cache.fill(key(truck), value: [6], partners: [], ttl: .seconds(60), stamp: truckStamp))
        try await cache.beginWrite(CacheWriteScope(entities: [], everything: true))
        #expect(try await cache.lookup(search).value == nil)
        #expect(try await cache.lookup(key(truck)).value == nil)
        #expect(try await cache.lookup(key(truck)).stamp.busy)
        try await cache.endWrite(CacheWriteScope(entities: [], everything: true))
        #expect(try await !cache.lookup(key(truck)).stamp.busy)
    }

    @Test(arguments: Adapter.allCases)
    func oneFillerPerKeyAtATime(_ adapter: Adapter) async throws {
        let cache = try Self.make(adapter)
        defer { Task { await Self.close(cache) } }
        #expect(try await cache.claimFill(key(truck), lease: .seconds(5)))
        #expect(try await !cache.claimFill(key(truck), lease: .seconds(5)))
        #expect(try await cache.claimFill(key(driver), lease: .seconds(5)), "another key is free")
        try await cache.releaseFill(key(truck))
        #expect(try await cache.claimFill(key(truck), lease: .seconds(5)))
    }

    @Test(arguments: Adapter.allCases)
    func readCountsRankTheHottestEntities(_ adapter: Adapter) async throws {
        let cache = try Self.make(adapter)
        defer { Task { await Self.close(cache) } }
        try await cache.recordReads([truck: 5, driver: 2])
        try await cache.recordReads([other: 4, driver: 1])
        #expect(try await cache.hottest(limit: 10) == [truck, other, driver])
        #expect(try await cache.hottest(limit: 1) == [truck])
    }

    @Test func entriesLiveTheirClassTTLWithJitter() async throws {
        let url = try RedisTestServer.url()
        let namespace = RedisTestServer.freshNamespace()
        let cache = try RedisCacheStore.connect(url: url, namespace: namespace)
        defer { Task { await cache.shutdown() } }
        let settings = CacheSettings(ttls: [.entityMetadata: .seconds(3600), .queryResult: .seconds(300), .temporalFacts: .seconds(1800)], jitter: 0.1)
        for cacheClass in CacheClass.allCases {
            for index in 0..<5 {
                let key = CacheKey(cacheClass, owner: index.isMultiple(of: 2) ? truck : nil, question: "ttl|\(index)")
                let stamp = try await cache.lookup(key).stamp
                #expect(try await cache.fill(key, value: [1], partners: [], ttl: settings.ttl(cacheClass), stamp: stamp))
                let ttl = try await cache.client.send(["PTTL", cache.entryKey(key)]).int ?? -1
                let base = Double(cacheClass.defaultTTL.components.seconds * 1000)
                #expect(Double(ttl) >= base * 0.9 - 1000 && Double(ttl) <= base * 1.1, "\(cacheClass): PTTL \(ttl) ms")
            }
        }
    }

    @Test func anEvictedGenerationNeverMakesAnOldEntryCurrentAgain() async throws {
        let cache = try RedisCacheStore.connect(url: try RedisTestServer.url(), namespace: RedisTestServer.freshNamespace())
        defer { Task { await cache.shutdown() } }
        let stamp = try await cache.lookup(key(truck)).stamp
        #expect(stamp.owner == 0)
        #expect(try await cache.fill(key(truck), value: [1], partners: [driver], ttl: .seconds(60), stamp: stamp))
        #expect(try await cache.lookup(key(truck)).value == [1])
        // As Redis would under memory pressure: the generations go, the entry stays.
        _ = try await cache.client.send(["DEL", "\(cache.prefix):g:\(truck.type)/\(truck.key)"])
        #expect(try await cache.lookup(key(truck)).value == nil, "the owner's generation is gone")
        let again = try await cache.lookup(key(truck)).stamp
        #expect(try await cache.fill(key(truck), value: [2], partners: [driver], ttl: .seconds(60), stamp: again))
        _ = try await cache.client.send(["DEL", "\(cache.prefix):G"])
        #expect(try await cache.lookup(key(truck)).value == nil, "the whole-memory generation is gone")
    }

    @Test func aMissingServerIsAnErrorNamingIt() async throws {
        let port = try LoopbackSocket.freePort()
        let cache = try RedisCacheStore.connect(url: "redis://127.0.0.1:\(port)", namespace: "dead", commandTimeout: .seconds(1))
        defer { Task { await cache.shutdown() } }
        await #expect(throws: RESPError.self) { try await cache.lookup(key(truck)) }
        let health = await cache.health()
        #expect(!health.healthy && health.detail.contains("127.0.0.1:\(port)"), "\(health)")
        #expect(throws: RedisCacheError.self) { try RedisCacheStore.connect(url: "falkordb://127.0.0.1:1/x") }
        #expect(throws: RedisCacheError.self) { try RedisCacheStore.connect(url: "redis://127.0.0.1:1", namespace: "a b") }
    }
}
