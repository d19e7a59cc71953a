import ApexCore
import ApexPorts
@testable import ApexPostgres
import Foundation
import PostgresNIO
import Testing

/// A server that goes away after the store connected makes calls fail with a clear error, not wait forever.
@Suite struct PostgresAvailabilityTests {
    @Test func callsFailWithinTheLeaseTimeoutWhenNoConnectionCanBeMade() async throws {
        // A pool aimed at a port nothing listens on keeps retrying; the store gives up on the lease instead.
        let url = try PostgresURL("postgres://apex@127.0.0.1:1/apex")
        let client = PostgresClient(
            configuration: try url.clientConfiguration(connectTimeout: .seconds(1), maximumConnections: 2), backgroundLogger: PostgresStore.defaultLogger)
        let store = PostgresStore(client: client, url: url, lifetime: ClientLifetime(client), ids: UUIDv7Generator(), logger: PostgresStore.defaultLogger)
        let started = ContinuousClock.now
        do {
            _ = try await store.entity(EntityRef(type: "Tractor", key: "6520"))
            Issue.record("a store without a server answered")
        } catch let error as PostgresStoreError {
            #expect(error.storeUnavailable)
            #expect(error.description.contains("no connection to the PostgreSQL server"))
        }
        // Not a hang: the lease timeout, plus room for a busy test machine.
        #expect(ContinuousClock.now - started >= PostgresClient.leaseTimeout)
        #expect(ContinuousClock.now - started < .seconds(60))
        let health = await store.health()
        #expect(!health.healthy)
        await store.shutdown()
    }
}
