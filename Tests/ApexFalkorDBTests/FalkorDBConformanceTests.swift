import ApexCore
import ApexEngine
import ApexFalkorDB
import ApexMigrations
import ApexPorts
import ApexPostgres
import ApexSQLite
import ApexTesting
import ApexVector
import Testing

/// The conformance suite on the two compositions with the graph on a real FalkorDB: SQLite + FalkorDB and PostgreSQL + FalkorDB.
///
/// Records, documents and vectors stay in the record store; facts and ends
/// live in a fresh FalkorDB graph per memory.
@Suite struct FalkorDBConformanceTests {
    /// Which store holds the records beside the FalkorDB graph.
    enum Records: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue + " + falkordb" }
    }

    static func records(_ kind: Records, opened: OpenedStores) async throws -> any TemporalStore {
        switch kind {
        case .sqlite:
            return try await SQLiteStore.open(directory: try SpecFixtures.temporaryDirectory())
        case .postgres:
            let store = try await PostgresTestServer.store(try await PostgresTestServer.shared.freshDatabase())
            await opened.add(store)
            return store
        }
    }

    static func memory(_ kind: Records, opened: OpenedStores) async throws -> MemoryService {
        let store = ComposedStore(records: try await records(kind, opened: opened), graph: try await FalkorDBTestServer.freshStore(opened))
        return MemoryService(store: store, clock: { SpecFixtures.now })
    }

    @Test(arguments: ConformanceSuite.cases, Records.allCases)
    func conformance(_ rule: ConformanceCase, _ records: Records) async throws {
        try await OpenedStores.using { opened in
            try await rule.body { try await Self.memory(records, opened: opened) }
        }
    }

    @Test(arguments: ConformanceSuite.adapterCases)
    func adapterConformanceOnSQLiteAndFalkorDB(_ rule: AdapterConformanceCase) async throws {
        try await OpenedStores.using { opened in
            try await rule.body {
                try await Self.adapter(
                    directory: try SpecFixtures.temporaryDirectory(), graphURL: try FalkorDBTestServer.freshGraphURL(),
                    embedder: ConformanceSuite.embedder, opened: opened)
            }
        }
    }

    @Test(arguments: ConformanceSuite.adapterCases)
    func adapterConformanceOnPostgresAndFalkorDB(_ rule: AdapterConformanceCase) async throws {
        try await OpenedStores.using { opened in
            try await rule.body {
                try await Self.postgresAdapter(
                    url: try await PostgresTestServer.shared.freshDatabase(), graphURL: try FalkorDBTestServer.freshGraphURL(),
                    embedder: ConformanceSuite.embedder, opened: opened)
            }
        }
    }

    /// PostgreSQL at `url` with pgvector, and the FalkorDB graph at `graphURL`.
    static func postgresAdapter(url: String, graphURL: String, embedder: FeatureHashingEmbedder, opened: OpenedStores) async throws -> AdapterUnderTest {
        let records = try await PostgresTestServer.store(url)
        await opened.add(records)
        let graph = try await FalkorDBTestServer.freshStore(opened, url: graphURL)
        let vectors = PgVectorStore(store: records, dimension: embedder.dimension)
        try await vectors.catchUp(to: try await records.vectorGeneration()) {
            try await records.allChunkVectors().map { VectorItem(id: $0.rowID, vector: $0.vector, payload: $0.metadata) }
        }
        let store = ComposedStore(records: records, graph: graph)
        return AdapterUnderTest(
            memory: MemoryService(store: store, clock: { SpecFixtures.now }),
            documents: DocumentService(store: store, vectors: vectors, embedder: embedder, chunker: ConformanceSuite.chunker),
            migrations: AnyMigrationRunner(records.migrator),
            reopen: { try await postgresAdapter(url: url, graphURL: graphURL, embedder: $0, opened: opened) })
    }

    /// SQLite in `directory` with the in-process vector index, and the FalkorDB graph at `graphURL`.
    static func adapter(directory: String, graphURL: String, embedder: FeatureHashingEmbedder, opened: OpenedStores) async throws -> AdapterUnderTest {
        let records = try await SQLiteStore.open(directory: directory)
        let graph = try await FalkorDBTestServer.freshStore(opened, url: graphURL)
        let store = ComposedStore(records: records, graph: graph)
        let vectors = EmbeddedVectorStore(dimension: embedder.dimension) {
            try await records.allChunkVectors().map { VectorItem(id: $0.rowID, vector: $0.vector, payload: $0.metadata) }
        }
        return AdapterUnderTest(
            memory: MemoryService(store: store, clock: { SpecFixtures.now }),
            documents: DocumentService(store: store, vectors: vectors, embedder: embedder, chunker: ConformanceSuite.chunker),
            migrations: AnyMigrationRunner(records.migrator),
            reopen: { try await adapter(directory: directory, graphURL: graphURL, embedder: $0, opened: opened) })
    }
}
