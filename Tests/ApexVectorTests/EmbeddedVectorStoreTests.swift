import ApexPorts
import ApexVector
import Testing

@Suite struct EmbeddedVectorStoreTests {
    /// A filter that 1 % of the vectors pass still finds their true nearest neighbours.
    @Test func selectiveFiltersDoNotCollapseRecall() async throws {
        let vectors = HNSWIndexTests.randomVectors(1500, dimension: 16, seed: 51)
        let items = vectors.enumerated().map { id, vector in
            VectorItem(id: Int64(id), vector: vector, payload: ["shard": id % 100 == 0 ? "rare" : "common", "year": id % 2 == 0 ? "2025" : "2024"])
        }
        let store = EmbeddedVectorStore(dimension: 16) { items }
        var reference = HNSWIndex(dimension: 16)
        for item in items { try reference.add(id: Int(item.id), vector: item.vector) }
        for query in HNSWIndexTests.randomVectors(10, dimension: 16, seed: 52) {
            let rare = try await store.search(query, limit: 10, filter: ["shard": "rare"])
            let exact = reference.exactSearch(query, k: 10) { $0 % 100 == 0 }
            #expect(rare.map(\.id) == exact.map { Int64($0.id) })
            let half = try await store.search(query, limit: 10, filter: ["year": "2025"])
            #expect(half.count == 10 && half.allSatisfy { $0.id % 2 == 0 })
        }
    }

    @Test func changesApplyAndVectorsWithoutDirectionAreLeftOut() async throws {
        let store = EmbeddedVectorStore(dimension: 4) { [] }
        try await store.apply(
            removing: [], adding: [VectorItem(id: 1, vector: [1, 0, 0, 0], payload: [:]), VectorItem(id: 2, vector: [0, 0, 0, 0], payload: [:])],
            generation: 1)
        #expect(try await store.search([1, 0, 0, 0], limit: 5, filter: [:]).map(\.id) == [1])
        try await store.apply(removing: [1], adding: [VectorItem(id: 3, vector: [0, 1, 0, 0], payload: [:])], generation: 2)
        #expect(try await store.search([1, 0, 0, 0], limit: 5, filter: [:]).map(\.id) == [3])
        await #expect(throws: VectorIndexError.self) {
            try await store.apply(removing: [], adding: [VectorItem(id: 4, vector: [1, 2], payload: [:])], generation: 3)
        }
    }
}
