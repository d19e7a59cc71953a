import ApexPorts
import ApexVector
import Foundation
import Testing

/// int8 as a store option: an index quantized without packing its links takes adds and deletes, saves and loads as
/// codes, and the embedded store re-scores its candidates with the stored floats.
@Suite struct QuantizedIndexTests {
    @Test func aWritableQuantizedIndexTakesAddsAndDeletesAndSavesAsCodes() throws {
        let vectors = HNSWIndexTests.randomVectors(1_200, dimension: 32, seed: 61)
        var index = HNSWIndex(dimension: 32)
        for (id, vector) in vectors.prefix(1_000).enumerated() { try index.add(id: id, vector: vector) }
        let floatBytes = index.memoryBytes
        index.quantize(packLinks: false)
        #expect(index.isQuantized)
        #expect(index.memoryBytes < floatBytes)
        // New vectors go in as codes and are found.
        for id in 1_000..<1_200 { try index.add(id: id, vector: vectors[id]) }
        #expect(index.count == 1_200)
        var scratch = HNSWSearchScratch()
        var found = 0
        for id in stride(from: 1_000, to: 1_200, by: 10) {
            let hits = try index.search(vectors[id], k: 3, ef: 64, rescore: { vectors[$0] }, scratch: &scratch)
            if hits.first?.id == id { found += 1 }
        }
        #expect(found == 20)
        // Deleted ids are never returned, and ids given again replace their vectors.
        let deleted = index.delete(id: 1_005)
        #expect(deleted)
        let afterDelete = try index.search(vectors[1_005], k: 10, ef: 64, scratch: &scratch)
        #expect(afterDelete.allSatisfy { $0.id != 1_005 })
        try index.add(id: 7, vector: vectors[1_010])
        let replaced = try index.search(vectors[1_010], k: 2, ef: 64, rescore: { $0 == 7 ? vectors[1_010] : vectors[$0] }, scratch: &scratch)
        #expect(replaced.map(\.id).contains(7))
        // Recall with re-scoring, against exact search over the floats.
        var reference = HNSWIndex(dimension: 32)
        for id in 0..<1_200 where id != 1_005 && id != 7 { try reference.add(id: id, vector: vectors[id]) }
        try reference.add(id: 7, vector: vectors[1_010])
        var hits = 0
        let queries = HNSWIndexTests.randomVectors(40, dimension: 32, seed: 62)
        for query in queries {
            let exact = Set(reference.exactSearch(query, k: 10).map(\.id))
            let answer = try index.search(query, k: 10, ef: 64, rescore: { $0 == 7 ? vectors[1_010] : vectors[$0] }, scratch: &scratch)
            hits += answer.filter { exact.contains($0.id) }.count
        }
        #expect(Double(hits) / 400 >= 0.85)
        // Saved and read back: still codes, still writable, same answers.
        var restored = try HNSWIndex(serialized: index.serialized())
        #expect(restored.isQuantized && restored.count == index.count)
        let query = queries[0]
        let before = try index.search(query, k: 10, ef: 64, scratch: &scratch).map(\.id)
        let after = try restored.search(query, k: 10, ef: 64, scratch: &scratch).map(\.id)
        #expect(before == after)
        try restored.add(id: 5_000, vector: vectors[3])
        #expect(restored.count == index.count + 1)
        // The packed form stays read-only.
        var packed = index
        packed.quantize()
        #expect(packed.isQuantized)
    }

    @Test func anInt8StoreReScoresWithStoredFloatsAndReloadsItsCodes() async throws {
        let dimension = 24
        let vectors = HNSWIndexTests.randomVectors(1_500, dimension: dimension, seed: 71)
        let items = vectors.enumerated().map { VectorItem(id: Int64($0.offset), vector: $0.element, payload: ["even": $0.offset % 2 == 0 ? "yes" : "no"]) }
        let stored = StoredVectors(items)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("apex-int8-\(UUID().uuidString).bin").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        func open() -> EmbeddedVectorStore {
            EmbeddedVectorStore(
                dimension: dimension, cacheFile: file, generation: { await stored.generation }, loader: { await stored.all() }, quantized: true,
                floats: { await stored.vectors($0) })
        }
        let store = open()
        var reference = HNSWIndex(dimension: dimension)
        for item in items { try reference.add(id: Int(item.id), vector: item.vector) }
        var hits = 0
        let queries = HNSWIndexTests.randomVectors(30, dimension: dimension, seed: 72)
        for query in queries {
            let answer = try await store.search(query, limit: 10, filter: [:])
            let exact = reference.exactSearch(query, k: 10)
            // Re-scored: the distances are the floats' own, nearest first.
            #expect(answer.map(\.distance) == answer.map(\.distance).sorted())
            hits += Set(answer.map(\.id)).intersection(exact.map { Int64($0.id) }).count
        }
        #expect(Double(hits) / 300 >= 0.9)
        // A write lands in the codes and is found; a filtered search keeps to its filter.
        let added = VectorItem(id: 9_000, vector: HNSWIndexTests.randomVectors(1, dimension: dimension, seed: 73)[0], payload: ["even": "yes"])
        await stored.add(added)
        try await store.apply(removing: [4], adding: [added], generation: await stored.generation)
        #expect(try await store.search(added.vector, limit: 1, filter: [:]).first?.id == 9_000)
        #expect(try await store.search(vectors[4], limit: 10, filter: [:]).allSatisfy { $0.id != 4 })
        #expect(try await store.search(queries[1], limit: 5, filter: ["even": "no"]).allSatisfy { $0.id % 2 == 1 })
        try await store.flush()
        // Reopened: the saved codes are loaded, not rebuilt.
        let reopened = open()
        try await reopened.prepare()
        #expect(await reopened.loadedFromFile)
        #expect(try await reopened.search(added.vector, limit: 1, filter: [:]).first?.id == 9_000)
    }
}

/// The float vectors a record store keeps, for the store under test to load and re-score with.
private actor StoredVectors {
    private var items: [Int64: VectorItem]
    /// Increased by every change, as a record store's vector generation is.
    private(set) var generation: Int64 = 1

    init(_ items: [VectorItem]) {
        self.items = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0) })
    }

    func all() -> [VectorItem] { items.values.sorted { $0.id < $1.id } }
    func add(_ item: VectorItem) {
        items[item.id] = item
        generation += 1
    }
    func vectors(_ ids: [Int64]) -> [Int64: [Float]] {
        var found: [Int64: [Float]] = [:]
        for id in ids { found[id] = items[id]?.vector }
        return found
    }
}
