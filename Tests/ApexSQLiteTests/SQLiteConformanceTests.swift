import ApexCore
import ApexEngine
import ApexMigrations
import ApexPorts
import ApexSQLite
import ApexTesting
import ApexVector
import Testing

/// The conformance suite against the embedded SQLite store, one fresh file per memory.
@Suite struct SQLiteConformanceTests {
    static let factory: ServiceFactory = {
        let store = try await SQLiteStore.open(directory: try SpecFixtures.temporaryDirectory())
        return MemoryService(store: store, clock: { SpecFixtures.now })
    }

    @Test(arguments: ConformanceSuite.cases)
    func conformance(_ rule: ConformanceCase) async throws {
        try await rule.body(Self.factory)
    }

    @Test(arguments: ConformanceSuite.adapterCases)
    func adapterConformance(_ rule: AdapterConformanceCase) async throws {
        try await rule.body { try await Self.adapter(directory: try SpecFixtures.temporaryDirectory(), embedder: ConformanceSuite.embedder) }
    }

    @Test(arguments: ConformanceSuite.vectorCollectionCases)
    func vectorCollections(_ rule: VectorCollectionConformanceCase) async throws {
        try await rule.body {
            let directory = try SpecFixtures.temporaryDirectory()
            let adapter = try await Self.adapter(directory: directory, embedder: ConformanceSuite.embedder)
            let store = try await SQLiteStore.open(directory: directory)
            return VectorCollectionsUnderTest(collections: store, documents: adapter.documents, store: store)
        }
    }

    /// The embedded adapter in `directory`: the SQLite store with the in-process HNSW index over its stored vectors.
    static func adapter(directory: String, embedder: FeatureHashingEmbedder) async throws -> AdapterUnderTest {
        let store = try await SQLiteStore.open(directory: directory)
        let vectors = EmbeddedVectorStore(dimension: embedder.dimension) {
            try await store.allChunkVectors().map { VectorItem(id: $0.rowID, vector: $0.vector, payload: $0.metadata) }
        }
        return AdapterUnderTest(
            memory: MemoryService(store: store, clock: { SpecFixtures.now }),
            documents: DocumentService(store: store, vectors: vectors, embedder: embedder, chunker: ConformanceSuite.chunker),
            migrations: AnyMigrationRunner(store.migrator),
            reopen: { try await adapter(directory: directory, embedder: $0) })
    }

    @Test func reopeningTheFileKeepsEverything() async throws {
        let directory = try SpecFixtures.temporaryDirectory()
        let first = MemoryService(store: try await SQLiteStore.open(directory: directory), clock: { SpecFixtures.now })
        try await first.ingest(lines: ConformanceSuite.mixedHistory)
        let before = try await first.state(of: EntityRef(type: "Tractor", key: "6520"), at: SpecFixtures.time("2025-03-02T00:00:00Z"))
        let second = MemoryService(store: try await SQLiteStore.open(directory: directory), clock: { SpecFixtures.now })
        let after = try await second.state(of: EntityRef(type: "Tractor", key: "6520"), at: SpecFixtures.time("2025-03-02T00:00:00Z"))
        #expect(before == after)
        #expect(after.entity.id.version == 7)
    }
}

/// The snapshot cache never answers with data older than the last commit, whichever connection made it.
@Suite struct SnapshotCacheTests {
    @Test func aCommitByAnotherConnectionIsSeenAtOnce() async throws {
        let directory = try SpecFixtures.temporaryDirectory()
        let server = MemoryService(store: try await SQLiteStore.open(directory: directory))
        let other = MemoryService(store: try await SQLiteStore.open(directory: directory))
        let tractor = EntityRef(type: "Tractor", key: "6520")
        try await server.ingest(lines: [SpecFixtures.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#)])
        for round in 0..<20 {
            // Read twice so that the second read is served from the cache.
            _ = try await server.state(of: tractor)
            let cached = try await server.state(of: tractor)
            #expect(cached.properties.first { $0.0 == "current_miles" }?.1 == (round == 0 ? nil : String(round - 1)))
            try await other.ingest(lines: [SpecFixtures.state("6520", "2025-01-10T00:00:00Z", set: #"{"current_miles":\#(round)}"#)], ontology: nil)
            let fresh = try await server.state(of: tractor)
            #expect(fresh.properties.first { $0.0 == "current_miles" }?.1 == String(round))
        }
    }

    @Test func queriesKnownBeforeTheNewestRecordAreNotServedFromTheCache() async throws {
        let memory = try await SQLiteConformanceTests.factory()
        try await memory.ingest(lines: ConformanceSuite.mixedHistory)
        let tractor = EntityRef(type: "Tractor", key: "6520")
        let at = SpecFixtures.time("2025-03-02T00:00:00Z")
        _ = try await memory.state(of: tractor, at: at)
        let latest = try await memory.state(of: tractor, at: at)
        let earlier = try await memory.state(of: tractor, at: at, knownAt: SpecFixtures.time("2025-03-02T00:00:00Z"))
        #expect(latest.properties.first { $0.0 == "current_miles" }?.1 == "440120")
        #expect(earlier.properties.first { $0.0 == "current_miles" }?.1 == "441200")
    }
}
