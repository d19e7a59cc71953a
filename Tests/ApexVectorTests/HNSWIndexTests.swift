import ApexVector
import Testing

@Suite struct HNSWIndexTests {
    /// Deterministic Gaussian-ish data (sum of uniforms), so that failures reproduce.
    static func randomVectors(_ count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
        var state = seed
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
        return (0..<count).map { _ in (0..<dimension).map { _ in next() + next() + next() } }
    }

    static func recall(_ index: HNSWIndex, queries: [[Float]], k: Int, ef: Int) throws -> Double {
        var scratch = HNSWSearchScratch()
        var hits = 0
        for query in queries {
            let exact = Set(index.exactSearch(query, k: k).map(\.id))
            let approximate = try index.search(query, k: k, ef: ef, scratch: &scratch).map(\.id)
            hits += approximate.filter(exact.contains).count
        }
        return Double(hits) / Double(queries.count * k)
    }

    @Test(arguments: VectorMetric.allCases)
    func recallAgainstExactSearchOnRandomData(_ metric: VectorMetric) throws {
        var index = HNSWIndex(dimension: 32, metric: metric)
        for (id, vector) in Self.randomVectors(1500, dimension: 32, seed: 7).enumerated() { try index.add(id: id, vector: vector) }
        let queries = Self.randomVectors(100, dimension: 32, seed: 99)
        let recall = try Self.recall(index, queries: queries, k: 10, ef: 64)
        #expect(recall >= 0.9, "recall@10 was \(recall)")
        #expect(try Self.recall(index, queries: queries, k: 10, ef: 200) >= recall)
    }

    @Test func resultsAreNearestFirstAndFindExactMatches() throws {
        var index = HNSWIndex(dimension: 16, metric: .l2)
        let vectors = Self.randomVectors(500, dimension: 16, seed: 3)
        for (id, vector) in vectors.enumerated() { try index.add(id: id * 10, vector: vector) }
        var scratch = HNSWSearchScratch()
        let matches = try index.search(vectors[42], k: 5, scratch: &scratch)
        #expect(matches.first?.id == 420)
        #expect(matches.first?.distance == 0)
        #expect(matches.map(\.distance) == matches.map(\.distance).sorted())
    }

    @Test func deletedVectorsAreNeverReturned() throws {
        var index = HNSWIndex(dimension: 16)
        let vectors = Self.randomVectors(400, dimension: 16, seed: 5)
        for (id, vector) in vectors.enumerated() { try index.add(id: id, vector: vector) }
        let first = index.delete(id: 42)
        let second = index.delete(id: 42)
        #expect(first)
        #expect(!second)
        var scratch = HNSWSearchScratch()
        let matches = try index.search(vectors[42], k: 10, scratch: &scratch)
        #expect(!matches.contains { $0.id == 42 })
        #expect(matches.count == 10)
        #expect(index.count == 399)
    }

    @Test func filtersKeepOnlyAcceptedIDsWithoutLosingRecall() throws {
        var index = HNSWIndex(dimension: 24)
        let vectors = Self.randomVectors(2000, dimension: 24, seed: 11)
        for (id, vector) in vectors.enumerated() { try index.add(id: id, vector: vector) }
        var scratch = HNSWSearchScratch()
        var hits = 0
        let queries = Self.randomVectors(50, dimension: 24, seed: 12)
        for query in queries {
            let even: (Int) -> Bool = { $0 % 2 == 0 }
            let found = try index.search(query, k: 10, ef: 64, filter: even, scratch: &scratch)
            #expect(found.allSatisfy { $0.id % 2 == 0 })
            let exact = Set(index.exactSearch(query, k: 10, filter: even).map(\.id))
            hits += found.filter { exact.contains($0.id) }.count
        }
        #expect(Double(hits) / 500 >= 0.85)
    }

    @Test func int8CodesWithRescoringKeepRecallInLessMemory() throws {
        var index = HNSWIndex(dimension: 64)
        let vectors = Self.randomVectors(2000, dimension: 64, seed: 21)
        for (id, vector) in vectors.enumerated() { try index.add(id: id, vector: vector) }
        let floatIndex = index
        let floatBytes = index.memoryBytes
        index.quantize()
        #expect(index.isQuantized)
        // Codes take a quarter of the floats; at 64 dimensions the links are half of what remains.
        #expect(index.memoryBytes * 10 < floatBytes * 6)
        var scratch = HNSWSearchScratch()
        var hits = 0
        let queries = Self.randomVectors(50, dimension: 64, seed: 22)
        for query in queries {
            let exact = Set(floatIndex.exactSearch(query, k: 10).map(\.id))
            let found = try index.search(query, k: 10, ef: 64, rescore: { vectors[$0] }, scratch: &scratch)
            hits += found.filter { exact.contains($0.id) }.count
        }
        #expect(Double(hits) / 500 >= 0.85)
        #expect(throws: VectorIndexError.quantized) { try index.add(id: 9999, vector: vectors[0]) }
    }

    @Test func badVectorsAreRefused() {
        var index = HNSWIndex(dimension: 4)
        #expect(throws: VectorIndexError.wrongDimension(expected: 4, got: 3)) { try index.add(id: 1, vector: [1, 2, 3]) }
        #expect(throws: VectorIndexError.zeroVector) { try index.add(id: 1, vector: [0, 0, 0, 0]) }
        #expect(throws: VectorIndexError.notFinite) { try index.add(id: 1, vector: [0, .nan, 0, 1]) }
        #expect(index.count == 0)
    }
}

extension HNSWIndexTests {
    @Test func aSavedIndexReadsBackIdentical() throws {
        var index = HNSWIndex(dimension: 24, metric: .cosine)
        let vectors = Self.randomVectors(600, dimension: 24, seed: 31)
        for (id, vector) in vectors.enumerated() { try index.add(id: id * 3, vector: vector) }
        index.delete(id: 9)
        let queries = Self.randomVectors(20, dimension: 24, seed: 32)
        for quantize in [false, true] {
            if quantize { index.quantize() }
            let copy = try HNSWIndex(serialized: index.serialized())
            var first = HNSWSearchScratch()
            var second = HNSWSearchScratch()
            for query in queries {
                #expect(try copy.search(query, k: 10, scratch: &first) == index.search(query, k: 10, scratch: &second))
            }
            #expect(copy.count == index.count)
            #expect(copy.memoryBytes == index.memoryBytes)
        }
    }

    @Test func aDamagedFileIsRefusedNotTrusted() throws {
        var index = HNSWIndex(dimension: 8)
        for (id, vector) in Self.randomVectors(50, dimension: 8, seed: 41).enumerated() { try index.add(id: id, vector: vector) }
        let bytes = index.serialized()
        #expect(throws: VectorIndexError.self) { try HNSWIndex(serialized: Array(bytes.prefix(bytes.count / 2))) }
        #expect(throws: VectorIndexError.self) { try HNSWIndex(serialized: Array("not an index at all".utf8)) }
        var scrambled = bytes
        for position in stride(from: 200, to: scrambled.count, by: 7) { scrambled[position] = 0xFF }
        #expect(throws: VectorIndexError.self) { try HNSWIndex(serialized: scrambled) }
    }
}
