public import ApexPorts
import Foundation

/// Builds the in-process HNSW index of a vector collection version beside the live one (`apex vectors migrate` on the
/// embedded store), saved as that version's file in the data directory, where ``EmbeddedVectorStore`` loads it once
/// the version is live.
///
/// The index of the last build stays in memory, so that the few chunks that
/// changed while it was built are applied to it rather than building again.
public actor EmbeddedCollectionIndexer: VectorCollectionIndexer {
    private let directory: String
    private var built: [Int: CollectionIndexBuild] = [:]

    public init(directory: String) {
        self.directory = directory
    }

    public func build(
        version: Int, spec: VectorCollectionSpec, items: [VectorItem], generation: Int64, progress: @escaping @Sendable (Int) -> Void
    ) async throws {
        guard spec.precision != .halfvec else { throw VectorIndexError.unsupportedPrecision(spec.precision.rawValue) }
        var build = CollectionIndexBuild(spec: spec)
        var done = 0
        for start in stride(from: 0, to: items.count, by: 2_000) {
            let batch = items[start..<min(start + 2_000, items.count)]
            try build.add(batch)
            done += batch.count
            progress(done)
            await Task.yield()
        }
        try build.save(to: path(version), generation: generation)
        built[version] = build
    }

    public func update(version: Int, spec: VectorCollectionSpec, items: [VectorItem], generation: Int64) async throws -> Bool {
        guard var build = built[version], build.spec == spec else { return false }
        try build.update(to: items)
        try build.save(to: path(version), generation: generation)
        built[version] = build
        return true
    }

    public func hasIndex(version: Int, spec: VectorCollectionSpec, generation: Int64) async -> Bool {
        // The file begins with the generation it matches; the index's own header then gives its parameters.
        guard let handle = FileHandle(forReadingAtPath: path(version)) else { return false }
        defer { try? handle.close() }
        guard let bytes = try? handle.read(upToCount: 8), bytes.count == 8 else { return false }
        let saved = Int64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) })
        return saved == generation && (built[version].map { $0.spec == spec } ?? true)
    }

    public func drop(version: Int) async throws {
        built[version] = nil
        try? FileManager.default.removeItem(atPath: path(version))
    }

    private func path(_ version: Int) -> String {
        (directory as NSString).appendingPathComponent(EmbeddedVectorStore.fileName(version: version))
    }
}

/// One collection version's index while it is built: the HNSW graph, the payloads, and a digest of each vector so
/// that an update finds the chunks that changed.
struct CollectionIndexBuild: Sendable {
    let spec: VectorCollectionSpec
    private(set) var index: HNSWIndex
    private var payloads: [Int64: [String: String]] = [:]
    private var digests: [Int64: Int] = [:]

    init(spec: VectorCollectionSpec) {
        self.spec = spec
        index = HNSWIndex(dimension: spec.embedder.dimension, metric: .cosine, parameters: HNSWParameters(m: spec.m, efConstruction: spec.efConstruction))
    }

    /// Adds `items` (ids it does not hold yet) on every core.
    mutating func add(_ items: ArraySlice<VectorItem>) throws {
        var indexable: [(id: Int, vector: [Float])] = []
        indexable.reserveCapacity(items.count)
        for item in items {
            guard item.vector.count == spec.embedder.dimension else {
                throw VectorIndexError.wrongDimension(expected: spec.embedder.dimension, got: item.vector.count)
            }
            digests[item.id] = Self.digest(item.vector)
            payloads[item.id] = item.payload
            // As the live store does: a vector with no direction cannot be found by cosine.
            if EmbeddedVectorStore.isIndexable(item.vector) { indexable.append((Int(item.id), item.vector)) }
        }
        try index.add(contentsOf: indexable, threads: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Removes what `items` no longer has (or has with another vector or payload) and adds what is new.
    mutating func update(to items: [VectorItem]) throws {
        let wanted = Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        for id in digests.keys {
            guard let item = wanted[id], digests[id] == Self.digest(item.vector), payloads[id] == item.payload else {
                _ = index.delete(id: Int(id))
                digests[id] = nil
                payloads[id] = nil
                continue
            }
        }
        try add(ArraySlice(items.filter { digests[$0.id] == nil }))
    }

    /// Saves the index, as int8 codes when the spec says so (the live store then loads it as it is).
    mutating func save(to path: String, generation: Int64) throws {
        if spec.precision == .int8, index.count > 0 { index.quantize(packLinks: false) }
        try EmbeddedVectorStore.writeFile(path, generation: generation, payloads: payloads, index: index)
    }

    static func digest(_ vector: [Float]) -> Int {
        var hasher = Hasher()
        for value in vector { hasher.combine(value.bitPattern) }
        return hasher.finalize()
    }
}
