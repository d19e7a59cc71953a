public import ApexPorts

/// The embedded ``VectorStore``: an in-process HNSW index over vectors kept by the record store.
///
/// The vectors live in the SQLite file (the chunks table); the graph is a cache
/// built from them on first use, so a crash loses nothing. A filter that few
/// vectors pass is answered by exact search over those, so that selective
/// filters never collapse recall.
public actor EmbeddedVectorStore: VectorStore {
    private let dimension: Int
    private let parameters: HNSWParameters
    private let loader: @Sendable () async throws -> [VectorItem]
    private var index: HNSWIndex?
    private var payloads: [Int64: [String: String]] = [:]
    private var scratch = HNSWSearchScratch()

    /// Below this share of passing vectors, a filtered search scans them exactly.
    static let exactShare = 0.05

    /// - Parameter loader: every stored vector, read when the index is first needed.
    public init(dimension: Int, parameters: HNSWParameters = HNSWParameters(), loader: @escaping @Sendable () async throws -> [VectorItem]) {
        self.dimension = dimension
        self.parameters = parameters
        self.loader = loader
    }

    private func loadedIndex() async throws -> HNSWIndex {
        if let index { return index }
        var built = HNSWIndex(dimension: dimension, metric: .cosine, parameters: parameters)
        for item in try await loader() where Self.isIndexable(item.vector) {
            try built.add(id: Int(item.id), vector: item.vector)
            payloads[item.id] = item.payload
        }
        index = built
        return built
    }

    /// Adds or replaces vectors. A vector with no direction (all zeros: a chunk without words) cannot be found by
    /// cosine and is left out of the index; a vector of the wrong size is an error.
    public func upsert(_ items: [VectorItem]) async throws {
        var current = try await loadedIndex()
        // Let go of the stored copy while changing, so that the arrays are not copied; put it back whatever happens.
        index = nil
        defer { index = current }
        for item in items {
            guard item.vector.count == dimension else { throw VectorIndexError.wrongDimension(expected: dimension, got: item.vector.count) }
            guard Self.isIndexable(item.vector) else {
                current.delete(id: Int(item.id))
                payloads[item.id] = nil
                continue
            }
            try current.add(id: Int(item.id), vector: item.vector)
            payloads[item.id] = item.payload
        }
    }

    public func delete(_ ids: [Int64]) async throws {
        var current = try await loadedIndex()
        index = nil
        defer { index = current }
        for id in ids {
            current.delete(id: Int(id))
            payloads[id] = nil
        }
    }

    static func isIndexable(_ vector: [Float]) -> Bool {
        vector.allSatisfy(\.isFinite) && vector.contains { $0 != 0 }
    }

    public func search(_ query: [Float], limit: Int, filter: [String: String]) async throws -> [VectorHit] {
        let current = try await loadedIndex()
        guard current.count > 0, limit > 0 else { return [] }
        let payloads = self.payloads
        let accepts: ((Int) -> Bool)? =
            filter.isEmpty ? nil : { id in payloads[Int64(id)].map { payload in filter.allSatisfy { payload[$0.key] == $0.value } } ?? false }
        let matches: [VectorMatch]
        if let accepts, Double(payloads.keys.lazy.filter { accepts(Int($0)) }.count) < Double(current.count) * Self.exactShare {
            matches = current.exactSearch(query, k: limit, filter: accepts)
        } else {
            matches = try current.search(query, k: limit, ef: max(parameters.efSearch, limit), filter: accepts, scratch: &scratch)
        }
        return matches.map { VectorHit(id: Int64($0.id), distance: $0.distance) }
    }
}
