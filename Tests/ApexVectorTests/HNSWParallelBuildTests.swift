import ApexVector
import Testing

/// The parallel build (``HNSWIndex/add(contentsOf:threads:)``: threads inserting into the live graph, a lock per node)
/// gives a graph as good as adding one at a time.
@Suite struct HNSWParallelBuildTests {
    @Test(arguments: [2, 4])
    func aParallelBuildKeepsTheRecallOfASequentialOne(threads: Int) throws {
        let vectors = HNSWIndexTests.randomVectors(6_000, dimension: 32, seed: 11)
        let queries = HNSWIndexTests.randomVectors(150, dimension: 32, seed: 12)
        var sequential = HNSWIndex(dimension: 32)
        for (id, vector) in vectors.enumerated() { try sequential.add(id: id, vector: vector) }
        var parallel = HNSWIndex(dimension: 32)
        // In two calls: the second links into a graph whose upper layers the first built.
        let items = vectors.enumerated().map { ($0.offset, $0.element) }
        try parallel.add(contentsOf: Array(items[..<2_500]), threads: threads)
        try parallel.add(contentsOf: Array(items[2_500...]), threads: threads)
        #expect(parallel.count == vectors.count)
        let expected = try HNSWIndexTests.recall(sequential, queries: queries, k: 10, ef: 64)
        let found = try HNSWIndexTests.recall(parallel, queries: queries, k: 10, ef: 64)
        #expect(found >= 0.9 && found >= expected - 0.02, "recall@10 \(found) in parallel, \(expected) one at a time")
        // Every vector is found as its own nearest neighbour.
        var scratch = HNSWSearchScratch()
        for id in stride(from: 0, to: vectors.count, by: 97) {
            #expect(try parallel.search(vectors[id], k: 1, scratch: &scratch).first?.id == id)
        }
    }

    @Test func aBatchWithABadItemAddsNothing() throws {
        var index = HNSWIndex(dimension: 8)
        let vectors = HNSWIndexTests.randomVectors(1_500, dimension: 8, seed: 3)
        var items = vectors.enumerated().map { ($0.offset, $0.element) }
        items[1_200].1 = Array(repeating: 0, count: 8)
        #expect(throws: VectorIndexError.zeroVector) { try index.add(contentsOf: items, threads: 2) }
        items[1_200].1 = vectors[1_200]
        items[1_300].0 = 5
        #expect(throws: VectorIndexError.duplicateID(5)) { try index.add(contentsOf: items, threads: 2) }
        #expect(index.count == 0)
        items[1_300].0 = 1_300
        try index.add(contentsOf: items, threads: 2)
        #expect(throws: VectorIndexError.duplicateID(7)) { try index.add(contentsOf: [(7, vectors[7])], threads: 2) }
        #expect(index.count == 1_500)
    }
}
