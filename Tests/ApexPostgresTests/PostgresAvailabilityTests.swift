import ApexCore
import ApexEngine
import ApexHTTP
import ApexPorts
@testable import ApexPostgres
import Foundation
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing

/// A server that goes away after the store connected makes calls fail with a clear error, not wait forever.
@Suite struct PostgresAvailabilityTests {
    /// Shorter than the default, so that the HTTP answer comes well within the test client's own timeout.
    static let leaseTimeout: Duration = .seconds(2)

    /// A store whose pool aims at a port nothing listens on: it keeps retrying, as after the server went away.
    static func storeWithoutServer() throws -> PostgresStore {
        let url = try PostgresURL("postgres://apex@127.0.0.1:1/apex")
        let client = PostgresClient(
            configuration: try url.clientConfiguration(connectTimeout: .seconds(1), maximumConnections: 2), backgroundLogger: PostgresStore.defaultLogger)
        return PostgresStore(
            client: client, url: url, lifetime: ClientLifetime(client), logger: PostgresStore.defaultLogger,
            leaseTimeout: leaseTimeout)
    }

    @Test func callsFailWithinTheLeaseTimeoutWhenNoConnectionCanBeMade() async throws {
        let store = try Self.storeWithoutServer()
        let started = ContinuousClock.now
        do {
            _ = try await store.entity(EntityRef(type: "Tractor", key: "6520"))
            Issue.record("a store without a server answered")
        } catch let error as PostgresStoreError {
            #expect(error.storeUnavailable)
            #expect(error.description.contains("no connection to the PostgreSQL server"))
        }
        // Not a hang: the lease timeout, plus room for a busy test machine.
        #expect(ContinuousClock.now - started >= Self.leaseTimeout)
        #expect(ContinuousClock.now - started < .seconds(60))
        await store.shutdown()
    }

    @Test func theHTTPAPIAnswers503() async throws {
        let store = try Self.storeWithoutServer()
        var logger = Logger(label: "apex-test")
        logger.logLevel = .critical
        let documents = DocumentService(store: store, vectors: PgVectorStore(store: store, dimension: 8), embedder: FeatureHashingEmbedder(dimension: 8))
        let app = ApexServer.application(
            api: MemoryAPI(memory: MemoryService(store: store), maximumBodySize: 1 << 20), documents: DocumentAPI(documents: documents, maximumBodySize: 1 << 20),
            host: "127.0.0.1", port: 0, logger: logger)
        try await app.test(.live) { client in
            let (status, body) = try await client.execute(uri: "/api/v1/entities/Tractor/6520/state", method: .get) {
                ($0.status.code, String(buffer: $0.body))
            }
            #expect(status == 503)
            #expect(body.contains("\"store_unavailable\""))
            // Searches too: a store outage is an error answer, never an empty list.
            for uri in ["/api/v1/temporal/entities/at-time?query=6520", "/api/v1/search?q=windshield&mode=text"] {
                let (status, body) = try await client.execute(uri: uri, method: .get) { ($0.status.code, String(buffer: $0.body)) }
                #expect(status == 503, "\(uri): \(body)")
                #expect(body.contains("\"store_unavailable\""), "\(uri): \(body)")
            }
        }
        // The health check is answered from the same store: it reports it down (the route then says 503).
        #expect(await store.health().healthy == false)
        await store.shutdown()
    }
}
