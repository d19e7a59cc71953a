public import ApexPorts
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The embedded ``VectorStore``: an in-process HNSW index over vectors kept by the record store.
///
/// The vectors live in the SQLite file (the chunks table); the graph is a cache.
/// It is saved to `cacheFile` together with the record store's vector generation
/// at the time, and loaded at start only when that generation is still current;
/// otherwise it is rebuilt from the stored vectors, so a crash or a writer in
/// another process costs time, never correctness. A filter that few vectors pass
/// is answered by exact search over those, so that selective filters never
/// collapse recall.
///
/// With `quantized` (a collection whose precision is int8) the index keeps int8
/// codes instead of floats (about a quarter of the memory), still takes writes,
/// and re-scores its best `ef_search` candidates of each search with their
/// stored float vectors (`floats`, read from the record store).
public actor EmbeddedVectorStore: VectorStore {
    private let dimension: Int
    private let parameters: HNSWParameters
    private let quantized: Bool
    private let floats: (@Sendable ([Int64]) async throws -> [Int64: [Float]])?
    private let cacheFile: String?
    private let currentGeneration: @Sendable () async throws -> Int64
    private let loader: @Sendable () async throws -> [VectorItem]
    private var index: HNSWIndex?
    private var payloads: [Int64: [String: String]] = [:]
    /// The record store's vector generation the index matches; nil when unknown (another writer got in between).
    private var generation: Int64?
    private var savedGeneration: Int64?
    private var scratch = HNSWSearchScratch()

    /// Below this share of passing vectors, a filtered search scans them exactly.
    static let exactShare = 0.05

    /// - Parameters:
    ///   - cacheFile: where the graph is saved (nil: never saved, always rebuilt).
    ///   - generation: the record store's current vector generation.
    ///   - loader: every stored vector, read when the index must be rebuilt.
    ///   - quantized: keep int8 codes rather than floats.
    ///   - floats: the stored vectors of some ids, to re-score a quantized index's candidates with (without it, the
    ///     codes' distances are the answer).
    public init(
        dimension: Int, parameters: HNSWParameters = HNSWParameters(), cacheFile: String? = nil,
        generation: @escaping @Sendable () async throws -> Int64 = { 0 }, loader: @escaping @Sendable () async throws -> [VectorItem],
        quantized: Bool = false, floats: (@Sendable ([Int64]) async throws -> [Int64: [Float]])? = nil
    ) {
        self.dimension = dimension
        self.parameters = parameters
        self.quantized = quantized
        self.floats = floats
        self.cacheFile = cacheFile
        self.currentGeneration = generation
        self.loader = loader
    }

    /// Loads the index (or builds it) now rather than at the first search.
    public func prepare() async throws {
        _ = try await loadedIndex()
    }

    /// The file name of a collection version's index in the data directory (version 1 keeps the name it always had).
    public static func fileName(version: Int) -> String {
        version <= 1 ? "vector-index.bin" : "vector-index-v\(version).bin"
    }

    /// Whether the index in memory was read from the saved file (rather than rebuilt).
    public private(set) var loadedFromFile = false

    private func loadedIndex() async throws -> HNSWIndex {
        if let index { return index }
        let current = try await currentGeneration()
        if let cacheFile, let saved = try? readSaved(cacheFile), saved.generation == current, saved.index.dimension == dimension,
            saved.index.isQuantized == (quantized && saved.index.count > 0)
        {
            index = saved.index
            payloads = saved.payloads
            generation = current
            savedGeneration = current
            loadedFromFile = true
            return saved.index
        }
        var built = HNSWIndex(dimension: dimension, metric: .cosine, parameters: parameters)
        var builtPayloads: [Int64: [String: String]] = [:]
        var indexable: [(id: Int, vector: [Float])] = []
        for item in try await loader() where Self.isIndexable(item.vector) {
            indexable.append((Int(item.id), item.vector))
            builtPayloads[item.id] = item.payload
        }
        try built.add(contentsOf: indexable, threads: ProcessInfo.processInfo.activeProcessorCount)
        if quantized, built.count > 0 { built.quantize(packLinks: false) }
        index = built
        payloads = builtPayloads
        generation = current
        loadedFromFile = false
        try save()
        return built
    }

    /// Applies one change of the record store. A vector with no direction (all zeros: a chunk without words) cannot
    /// be found by cosine and is left out; a vector of the wrong size is an error.
    public func apply(removing removed: [Int64], adding items: [VectorItem], generation newGeneration: Int64) async throws {
        var current = try await loadedIndex()
        // Let go of the stored copy while changing, so that the arrays are not copied; put it back whatever happens.
        index = nil
        defer { index = current }
        generation = generation.flatMap { $0 + 1 == newGeneration || $0 == newGeneration ? newGeneration : nil }
        for id in removed {
            current.delete(id: Int(id))
            payloads[id] = nil
        }
        for item in items {
            guard item.vector.count == dimension else { throw VectorIndexError.wrongDimension(expected: dimension, got: item.vector.count) }
            guard Self.isIndexable(item.vector) else { continue }
            try current.add(id: Int(item.id), vector: item.vector)
            payloads[item.id] = item.payload
        }
    }

    /// Saves the graph if it changed since it was saved and still matches a known generation of the record store.
    public func flush() throws {
        guard index != nil else { return }
        try save()
    }

    public func search(_ query: [Float], limit: Int, filter: [String: String]) async throws -> [VectorHit] {
        let current = try await loadedIndex()
        guard current.count > 0, limit > 0 else { return [] }
        let payloads = self.payloads
        let accepts: ((Int) -> Bool)? =
            filter.isEmpty ? nil : { id in payloads[Int64(id)].map { payload in filter.allSatisfy { payload[$0.key] == $0.value } } ?? false }
        let matches: [VectorMatch]
        // A quantized index keeps its best ef_search candidates by code, then re-ranks them by their stored floats.
        let width = max(parameters.efSearch, limit)
        let wanted = current.isQuantized && floats != nil ? width : limit
        if let accepts, Double(payloads.keys.lazy.filter { accepts(Int($0)) }.count) < Double(current.count) * Self.exactShare {
            matches = current.exactSearch(query, k: wanted, filter: accepts)
        } else {
            matches = try current.search(query, k: wanted, ef: width, filter: accepts, scratch: &scratch)
        }
        guard current.isQuantized, let floats, let prepared = current.prepared(query) else {
            return matches.prefix(limit).map { VectorHit(id: Int64($0.id), distance: $0.distance) }
        }
        let stored = try await floats(matches.map { Int64($0.id) })
        let rescored = matches.compactMap { match -> VectorHit? in
            guard let vector = stored[Int64(match.id)], vector.count == dimension, let exact = current.prepared(vector) else { return nil }
            return VectorHit(id: Int64(match.id), distance: HNSWIndex.distance(prepared, exact, .cosine))
        }
        return Array(rescored.sorted { $0.distance < $1.distance || ($0.distance == $1.distance && $0.id < $1.id) }.prefix(limit))
    }

    static func isIndexable(_ vector: [Float]) -> Bool {
        vector.allSatisfy(\.isFinite) && vector.contains { $0 != 0 }
    }

    // MARK: The saved file: generation, payloads, then the index

    private func save() throws {
        // A quantized store that started empty holds floats until it has vectors to take a scale from.
        if quantized, var floatIndex = index, !floatIndex.isQuantized, floatIndex.count > 0 {
            index = nil
            floatIndex.quantize(packLinks: false)
            index = floatIndex
        }
        guard let cacheFile, let index, let generation, generation != savedGeneration else { return }
        try Self.writeFile(cacheFile, generation: generation, payloads: payloads, index: index)
        savedGeneration = generation
    }

    /// Writes an index with its payloads and the vector generation it matches, as this store saves and loads it
    /// (``CollectionIndexBuild`` saves a collection version's index this way too).
    public static func writeFile(_ path: String, generation: Int64, payloads: [Int64: [String: String]], index: HNSWIndex) throws {
        var writer = ByteWriter()
        writer.write(generation)
        writer.write(UInt64(payloads.count))
        for (id, payload) in payloads.sorted(by: { $0.key < $1.key }) {
            writer.write(id)
            writer.write(UInt64(payload.count))
            for (key, value) in payload.sorted(by: { $0.key < $1.key }) {
                writer.write(string: key)
                writer.write(string: value)
            }
        }
        let bytes = writer.bytes + index.serialized()
        let temporary = path + ".tmp"
        try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        // rename(2) replaces the old file atomically: a reader sees the old graph or the new one, never half of one.
        guard rename(temporary, path) == 0 else { throw VectorIndexError.corruptFile(reason: "it could not be saved to \(path)") }
    }

    private func readSaved(_ path: String) throws -> (generation: Int64, payloads: [Int64: [String: String]], index: HNSWIndex) {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        var reader = ByteReader(bytes)
        let generation = try reader.read(Int64.self)
        let count = try reader.readCount(elementSize: 16)
        var payloads: [Int64: [String: String]] = [:]
        for _ in 0..<count {
            let id = try reader.read(Int64.self)
            let fields = try reader.readCount(elementSize: 16)
            var payload: [String: String] = [:]
            for _ in 0..<fields { payload[try reader.readString()] = try reader.readString() }
            payloads[id] = payload
        }
        return (generation, payloads, try HNSWIndex(serialized: reader.remainingBytes()))
    }
}
