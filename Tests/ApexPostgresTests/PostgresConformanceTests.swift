import ApexCore
import ApexEngine
import ApexMigrations
import ApexPorts
import ApexPostgres
import ApexTesting
import Testing

/// The conformance suite against a real PostgreSQL with pgvector: one fresh database per memory.
@Suite struct PostgresConformanceTests {
    static func memory(_ opened: OpenedStores) async throws -> MemoryService {
        let store = try await PostgresTestServer.store(try await PostgresTestServer.shared.freshDatabase())
        await opened.add(store)
        return MemoryService(store: store, clock: { SpecFixtures.now })
    }

    /// The PostgreSQL adapter at `url`: records, facts and documents in PostgreSQL, vectors in pgvector.
    static func adapter(
        url: String, embedder: FeatureHashingEmbedder, precision: VectorPrecision = .single, opened: OpenedStores
    ) async throws -> AdapterUnderTest {
        let store = try await PostgresTestServer.store(url)
        await opened.add(store)
        let vectors = PgVectorStore(store: store, dimension: embedder.dimension, precision: precision)
        try await vectors.catchUp(to: try await store.vectorGeneration()) {
            try await store.allChunkVectors().map { VectorItem(id: $0.rowID, vector: $0.vector, payload: $0.metadata) }
        }
        return AdapterUnderTest(
            memory: MemoryService(store: store, clock: { SpecFixtures.now }),
            documents: DocumentService(store: store, vectors: vectors, embedder: embedder, chunker: ConformanceSuite.chunker),
            migrations: AnyMigrationRunner(store.migrator),
            reopen: { try await adapter(url: url, embedder: $0, precision: precision, opened: opened) })
    }

    @Test(arguments: ConformanceSuite.cases)
    func conformance(_ rule: ConformanceCase) async throws {
        try await OpenedStores.using { opened in
            try await rule.body { try await Self.memory(opened) }
        }
    }

    @Test(arguments: ConformanceSuite.vectorCollectionCases)
    func vectorCollections(_ rule: VectorCollectionConformanceCase) async throws {
        try await OpenedStores.using { opened in
            try await rule.body {
                let adapter = try await Self.adapter(
                    url: try await PostgresTestServer.shared.freshDatabase(), embedder: ConformanceSuite.embedder, opened: opened)
                guard let store = adapter.store as? PostgresStore else { throw PostgresStoreError.missingPrerequisite("the adapter's store is not PostgreSQL") }
                return VectorCollectionsUnderTest(collections: store, documents: adapter.documents, store: store)
            }
        }
    }

    @Test(arguments: ConformanceSuite.adapterCases, VectorPrecision.allCases)
    func adapterConformance(_ rule: AdapterConformanceCase, _ precision: VectorPrecision) async throws {
        try await OpenedStores.using { opened in
            try await rule.body {
                try await Self.adapter(
                    url: try await PostgresTestServer.shared.freshDatabase(), embedder: ConformanceSuite.embedder, precision: precision, opened: opened)
            }
        }
    }
}
