import ApexCore
import ApexPorts
@testable import ApexPostgres
import ApexTesting
import PostgresNIO
import Testing

/// `vector` and `halfvec` rows live in separate partial indexes; a store searches its own and rebuilds when the precision changes.
@Suite struct PgVectorPrecisionTests {
    /// Vectors far enough apart that each one's nearest neighbour is itself, in either precision.
    static let items: [VectorItem] = (0..<40).map { index in
        var generator = SplitMix64(seed: UInt64(index) + 1)
        let vector = (0..<384).map { _ in Float(generator.next() % 2001) / 1000 - 1 }
        return VectorItem(id: Int64(index + 1), vector: vector, payload: ["group": index % 2 == 0 ? "even" : "odd"])
    }

    @Test(arguments: VectorPrecision.allCases)
    func searchesUseThePartialIndexOfTheirPrecision(_ precision: VectorPrecision) async throws {
        let url = try await PostgresTestServer.shared.freshDatabase()
        let store = try await PostgresStore.connect(url: url)
        let connection = try await PostgresTestServer.connect(url)
        do {
            let vectors = PgVectorStore(store: store, dimension: 384, precision: precision)
            try await vectors.apply(removing: [], adding: Self.items, generation: 1)
            #expect(vectors.precision == precision)

            let probe = Self.items[7]
            let hits = try await vectors.search(probe.vector, limit: 3, filter: [:])
            #expect(hits.first?.id == probe.id)
            let filtered = try await vectors.search(probe.vector, limit: 3, filter: ["group": "even"])
            #expect(filtered.count == 3)
            #expect(!filtered.contains { $0.id == probe.id })

            // With sequential scans priced out, the plan names the index only if its predicate matches the query's.
            _ = try await connection.query("SET enable_seqscan = off", logger: PostgresTestServer.logger).collect()
            let search = vectors.searchQuery(probe.vector, limit: 3, filter: [:])
            let plan = try await connection.query(PostgresQuery(unsafeSQL: "EXPLAIN " + search.sql, binds: search.binds), logger: PostgresTestServer.logger)
                .collect().map { try $0.decode(String.self) }.joined(separator: "\n")
            #expect(plan.contains(PostgresMigrations.indexName(dimension: 384, precision: precision)), "\(plan)")
        } catch {
            try? await connection.close()
            await store.shutdown()
            throw error
        }
        try await connection.close()
        await store.shutdown()
    }

    @Test func aStoreOpenedWithTheOtherPrecisionRebuildsTheTable() async throws {
        let url = try await PostgresTestServer.shared.freshDatabase()
        let store = try await PostgresStore.connect(url: url)
        do {
            let single = PgVectorStore(store: store, dimension: 384, precision: .single)
            try await single.apply(removing: [], adding: Self.items, generation: 1)
            #expect(try await single.catchUp(to: 1) { Self.items } == false)

            let half = PgVectorStore(store: store, dimension: 384, precision: .half)
            #expect(try await half.catchUp(to: 1) { Self.items } == true)
            #expect(try await half.catchUp(to: 1) { Self.items } == false)
            #expect(try await half.state().half)
            let probe = Self.items[12]
            #expect(try await half.search(probe.vector, limit: 1, filter: [:]).first?.id == probe.id)
            // The single-precision store sees no rows of its own now, and rebuilds when opened again.
            #expect(try await single.search(probe.vector, limit: 1, filter: [:]).isEmpty)
            #expect(try await single.catchUp(to: 1) { Self.items } == true)
            #expect(try await single.search(probe.vector, limit: 1, filter: [:]).first?.id == probe.id)
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }
}
