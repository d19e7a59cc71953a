import Foundation

/// An in-process HNSW index (Malkov & Yashunin, 2016) written for ApexMemory's embedded vector store.
///
/// Vectors are kept contiguously (float32, or int8 codes after ``quantize()``);
/// layer 0 links live in one flat array of `2m` slots per node, upper layers in
/// small per-node lists. Searching never mutates the index, so any number of
/// searches may run at once, each with its own ``HNSWSearchScratch``.
public struct HNSWIndex: Sendable {
    public let dimension: Int
    public let metric: VectorMetric
    public let parameters: HNSWParameters

    /// External ids, by node.
    private(set) var ids: [Int] = []
    /// Float vectors, `dimension` per node (normalised for cosine); emptied by `quantize()`.
    private(set) var vectors: [Float] = []
    /// Int8 codes after `quantize()`, `dimension` per node.
    private(set) var codes: [Int8] = []
    /// The float value of one code step.
    private(set) var codeScale: Float = 0
    var levels: [UInt8] = []
    var links0: [UInt32] = []
    var counts0: [UInt8] = []
    /// Layer-0 link offsets after `quantize()` packs the links (no spare slots), else empty.
    var offsets0: [UInt32] = []
    var upperLinks: [[[UInt32]]] = []
    var deleted: [Bool] = []
    var nodeByID: [Int: UInt32] = [:]
    /// How many nodes are tombstones.
    var deletedCount = 0
    var entry: Int = -1
    var maxLevel = 0
    var random: UInt64

    var m0: Int { parameters.m * 2 }

    public init(dimension: Int, metric: VectorMetric = .cosine, parameters: HNSWParameters = HNSWParameters()) {
        self.dimension = dimension
        self.metric = metric
        self.parameters = parameters
        self.random = parameters.seed
    }

    /// Live (not deleted) vectors.
    public var count: Int { ids.count - deletedCount }
    /// Whether searches run on int8 codes.
    public var isQuantized: Bool { !codes.isEmpty }

    /// Bytes held by vectors or codes and links: what the index costs in memory.
    public var memoryBytes: Int {
        vectors.count * 4 + codes.count + links0.count * 4 + counts0.count + offsets0.count * 4 + levels.count + ids.count * 8
            + upperLinks.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count * 4 } }
    }

    // MARK: Adding and deleting

    /// Adds `vector` under `id` (an id added before is replaced: deleted, then added again).
    public mutating func add(id: Int, vector: [Float]) throws(VectorIndexError) {
        guard vector.count == dimension else { throw .wrongDimension(expected: dimension, got: vector.count) }
        guard !isQuantized || offsets0.isEmpty else { throw .quantized }
        guard vector.allSatisfy(\.isFinite) else { throw .notFinite }
        guard let stored = prepared(vector) else { throw .zeroVector }
        if nodeByID[id] != nil { delete(id: id) }
        var scratch = HNSWSearchScratch()
        insert(id: id, stored: stored, scratch: &scratch)
    }

    /// Inserts a node for an already checked and prepared vector under a new id, searching with `scratch`: a build that
    /// adds many keeps one, whose visited marks are as long as the graph and would otherwise be allocated and zeroed
    /// for every node.
    mutating func insert(id: Int, stored: [Float], scratch: inout HNSWSearchScratch) {
        let node = append(id: id, stored: stored)
        guard entry >= 0 else {
            entry = Int(node)
            maxLevel = Int(levels[Int(node)])
            return
        }
        let found = withView { view in
            Self.layerCandidates(view, node: node, level: Int(levels[Int(node)]), entry: UInt32(entry), top: maxLevel, ef: parameters.efConstruction, scratch: &scratch)
        }
        for (layer, candidates) in found.enumerated() where !candidates.isEmpty {
            let chosen = withView { Self.selectNeighbors($0, candidates, limit: parameters.m) }
            setLinks(node, layer: layer, to: chosen.map(\.1))
            for (_, neighbor) in chosen { link(neighbor, to: node, layer: layer, limit: layer == 0 ? m0 : parameters.m) }
        }
        raiseEntry(to: node)
    }

    /// Appends a node with no links for an already prepared vector, at a level drawn from the generator.
    mutating func append(id: Int, stored: [Float]) -> UInt32 {
        let node = UInt32(ids.count)
        let level = randomLevel()
        ids.append(id)
        if isQuantized { codes.append(contentsOf: encode(stored)) } else { vectors.append(contentsOf: stored) }
        levels.append(UInt8(level))
        links0.append(contentsOf: repeatElement(0, count: m0))
        counts0.append(0)
        upperLinks.append(Array(repeating: [], count: level))
        deleted.append(false)
        nodeByID[id] = node
        return node
    }

    /// Makes `node` the entry point when it reaches above every other node.
    mutating func raiseEntry(to node: UInt32) {
        let level = Int(levels[Int(node)])
        if entry < 0 || level > maxLevel {
            maxLevel = level
            entry = Int(node)
        }
    }

    /// For each layer from 0 to `level`, up to `ef` nodes nearest to `node` (nearest first) found from `entry` by the
    /// paper's insertion search (algorithm 1); empty for the layers above `top`, which the graph does not reach yet.
    static func layerCandidates(
        _ view: GraphView, node: UInt32, level: Int, entry: UInt32, top: Int, ef: Int, scratch: inout HNSWSearchScratch
    ) -> [[(Float, UInt32)]] {
        var found = [[(Float, UInt32)]](repeating: [], count: level + 1)
        let measure = NodeToNodeDistance(view: view, node: node)
        var current = entry
        var currentDistance = measure(current)
        for upper in stride(from: top, to: level, by: -1) {
            (current, currentDistance) = greedy(view, from: current, distance: currentDistance, layer: upper, links: scratch.linkBuffer(), measure)
        }
        for layer in stride(from: min(level, top), through: 0, by: -1) {
            let nearest = searchLayer(
                view, entries: [(currentDistance, current)], ef: ef, layer: layer, scratch: &scratch, filter: nil, skipDeleted: false, measure)
            found[layer] = nearest
            if let first = nearest.first { (currentDistance, current) = first }
        }
        return found
    }

    /// Removes `id` from results (its node stays in the graph as a waypoint until a rebuild).
    @discardableResult
    public mutating func delete(id: Int) -> Bool {
        guard let node = nodeByID.removeValue(forKey: id) else { return false }
        deleted[Int(node)] = true
        deletedCount += 1
        return true
    }

    /// Replaces float vectors with int8 codes (one global scale); searches then re-score with `rescore` when given.
    ///
    /// With `packLinks` the layer-0 links lose their spare slots and the index is read-only (the smallest form); without,
    /// it still takes adds and deletes, each new vector coded with the same scale (values beyond it are clipped) and
    /// linked by distances between codes: the form a store keeps when a collection's precision is int8.
    public mutating func quantize(packLinks: Bool = true) {
        guard !isQuantized, !vectors.isEmpty else { return }
        defer { vectors = [] }
        let maximum = vectors.reduce(Float(0)) { max($0, abs($1)) }
        codeScale = maximum > 0 ? maximum / 127 : 1
        codes = encode(vectors)
        guard packLinks else { return }
        var packed: [UInt32] = []
        packed.reserveCapacity(counts0.reduce(0) { $0 + Int($1) })
        var offsets: [UInt32] = [0]
        offsets.reserveCapacity(counts0.count + 1)
        for node in counts0.indices {
            let start = node * m0
            packed.append(contentsOf: links0[start..<(start + Int(counts0[node]))])
            offsets.append(UInt32(packed.count))
        }
        links0 = packed
        offsets0 = offsets
        counts0 = []
    }

    /// Int8 codes of float values at the index's scale.
    func encode(_ values: [Float]) -> [Int8] {
        values.map { Int8(max(-127, min(127, ($0 / codeScale).rounded()))) }
    }

    // MARK: Searching

    /// The `k` nearest live vectors to `query`, nearest first.
    ///
    /// - Parameters:
    ///   - ef: candidates kept (default `parameters.efSearch`; at least `k`).
    ///   - filter: only ids it accepts are returned; the graph is still walked through the others.
    ///   - rescore: for a quantized index, the float vector of an id: the best `ef` candidates are re-ranked with it.
    public func search(
        _ query: [Float], k: Int, ef: Int? = nil, filter: ((Int) -> Bool)? = nil, rescore: ((Int) -> [Float]?)? = nil,
        scratch: inout HNSWSearchScratch
    ) throws(VectorIndexError) -> [VectorMatch] {
        guard query.count == dimension else { throw .wrongDimension(expected: dimension, got: query.count) }
        guard entry >= 0, k > 0 else { return [] }
        guard let prepared = prepared(query) else { throw .zeroVector }
        let codedQuery = isQuantized ? encode(prepared) : []
        let width = max(ef ?? parameters.efSearch, k)
        let top = maxLevel
        let start = UInt32(entry)
        var found = withView { view -> [(Float, UInt32)] in
            func run<Measure: NodeDistance>(_ measure: Measure) -> [(Float, UInt32)] {
                var current = start
                var currentDistance = measure(current)
                for layer in stride(from: top, to: 0, by: -1) {
                    (current, currentDistance) = Self.greedy(
                        view, from: current, distance: currentDistance, layer: layer, links: scratch.linkBuffer(), measure)
                }
                let accept: ((UInt32) -> Bool)? = filter.map { filter in { node in filter(self.ids[Int(node)]) } }
                return Self.searchLayer(
                    view, entries: [(currentDistance, current)], ef: width, layer: 0, scratch: &scratch, filter: accept, skipDeleted: true,
                    measure)
            }
            if isQuantized {
                return codedQuery.withUnsafeBufferPointer { run(CodedQueryDistance(view: view, query: $0.baseAddress.unsafelyUnwrapped)) }
            }
            return prepared.withUnsafeBufferPointer { run(FloatQueryDistance(view: view, query: $0.baseAddress.unsafelyUnwrapped)) }
        }
        if isQuantized, let rescore {
            found = found.compactMap { candidate -> (Float, UInt32)? in
                guard let vector = rescore(ids[Int(candidate.1)]), vector.count == dimension, let exact = self.prepared(vector) else { return nil }
                return (Self.distance(prepared, exact, metric), candidate.1)
            }.sorted { $0.0 < $1.0 }
        }
        return found.prefix(k).map { VectorMatch(id: ids[Int($0.1)], distance: $0.0) }
    }

    /// Exact search over every live vector: the reference for recall, and the fallback for very selective filters.
    public func exactSearch(_ query: [Float], k: Int, filter: ((Int) -> Bool)? = nil) -> [VectorMatch] {
        guard query.count == dimension, !vectors.isEmpty || !codes.isEmpty, let prepared = prepared(query) else { return [] }
        let codedQuery = isQuantized ? encode(prepared) : []
        var best = DistanceHeap(nearestFirst: false, capacity: k + 1)
        withView { view in
            prepared.withUnsafeBufferPointer { floats in
                codedQuery.withUnsafeBufferPointer { codes in
                    for node in 0..<ids.count where !deleted[node] && (filter.map { $0(ids[node]) } ?? true) {
                        let distance =
                            isQuantized
                            ? view.codedDistance(codes.baseAddress.unsafelyUnwrapped, UInt32(node))
                            : view.floatDistance(floats.baseAddress.unsafelyUnwrapped, UInt32(node))
                        if best.count < k || distance < best.topDistance {
                            best.push(distance, UInt32(node))
                            if best.count > k { best.pop() }
                        }
                    }
                }
            }
        }
        var matches: [VectorMatch] = []
        while !best.isEmpty {
            let (distance, node) = best.pop()
            matches.append(VectorMatch(id: ids[Int(node)], distance: distance))
        }
        return matches.reversed()
    }

    // MARK: Saving and restoring

    /// The graph fields, together, for the file format.
    struct StoredState {
        var random: UInt64 = 0
        var entry = -1
        var maxLevel = 0
        var levels: [UInt8] = []
        var links0: [UInt32] = []
        var counts0: [UInt8] = []
        var offsets0: [UInt32] = []
        var deleted: [Bool] = []
        var upperLinks: [[[UInt32]]] = []
    }

    var storedState: StoredState {
        StoredState(
            random: random, entry: entry, maxLevel: maxLevel, levels: levels, links0: links0, counts0: counts0, offsets0: offsets0,
            deleted: deleted, upperLinks: upperLinks)
    }

    /// Takes over a read index after checking that its links can be followed safely.
    mutating func restore(ids: [Int], vectors: [Float], codes: [Int8], codeScale: Float, state: StoredState) throws(VectorIndexError) {
        let count = ids.count
        if state.offsets0.isEmpty {
            guard state.links0.count == count * m0, state.counts0.count == count, state.counts0.allSatisfy({ Int($0) <= m0 }) else {
                throw .corruptFile(reason: "its layer-0 links do not fit its nodes")
            }
        } else {
            guard state.offsets0.count == count + 1, state.offsets0.first == 0, state.offsets0.last.map({ Int($0) == state.links0.count }) ?? false,
                zip(state.offsets0, state.offsets0.dropFirst()).allSatisfy({ $0 <= $1 })
            else { throw .corruptFile(reason: "its packed links do not fit its nodes") }
        }
        guard count == 0 || (state.entry >= 0 && state.maxLevel == Int(state.levels[state.entry])) else {
            throw .corruptFile(reason: "its entry point is damaged")
        }
        self.ids = ids
        self.vectors = vectors
        self.codes = codes
        self.codeScale = codeScale
        random = state.random
        entry = state.entry
        maxLevel = state.maxLevel
        levels = state.levels
        links0 = state.links0
        counts0 = state.counts0
        offsets0 = state.offsets0
        deleted = state.deleted
        deletedCount = state.deleted.lazy.filter { $0 }.count
        upperLinks = state.upperLinks
        nodeByID = [:]
        for (node, id) in ids.enumerated() where !deleted[node] { nodeByID[id] = UInt32(node) }
    }

    // MARK: Graph internals

    /// The vector as the index compares it: unit length for cosine; nil when it has no direction.
    func prepared(_ vector: [Float]) -> [Float]? {
        guard metric == .cosine else { return vector }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return nil }
        return vector.map { $0 / norm }
    }

    /// Runs `body` with raw pointers into the index's arrays.
    func withView<Result>(_ body: (GraphView) throws -> Result) rethrows -> Result {
        try vectors.withUnsafeBufferPointer { vectors in
            try codes.withUnsafeBufferPointer { codes in
                try links0.withUnsafeBufferPointer { links0 in
                    try counts0.withUnsafeBufferPointer { counts0 in
                        try offsets0.withUnsafeBufferPointer { offsets0 in
                            try deleted.withUnsafeBufferPointer { deleted in
                                try body(
                                    GraphView(
                                        vectors: vectors, codes: codes, links0: links0, counts0: counts0, offsets0: offsets0, nodeCount: ids.count,
                                        deleted: deleted, hasDeleted: deletedCount > 0, upperLinks: upperLinks, dimension: dimension, m0: m0,
                                        metric: metric,
                                        codeScale: codeScale))
                            }
                        }
                    }
                }
            }
        }
    }

    private mutating func randomLevel() -> Int {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let uniform = (Double(z >> 11) + 0.5) / Double(1 << 53)
        return min(Int(-log(uniform) / log(Double(parameters.m))), 15)
    }

    private func neighbors(_ node: UInt32, layer: Int) -> ArraySlice<UInt32> {
        if layer == 0 {
            let start = Int(node) * m0
            return links0[start..<(start + Int(counts0[Int(node)]))]
        }
        return upperLinks[Int(node)][layer - 1][...]
    }

    mutating func setLinks(_ node: UInt32, layer: Int, to targets: [UInt32]) {
        if layer == 0 {
            let start = Int(node) * m0
            for (offset, target) in targets.prefix(m0).enumerated() { links0[start + offset] = target }
            counts0[Int(node)] = UInt8(min(targets.count, m0))
        } else {
            upperLinks[Int(node)][layer - 1] = targets
        }
    }

    /// Adds `target` to `node`'s links, pruning with the heuristic when over `limit`.
    mutating func link(_ node: UInt32, to target: UInt32, layer: Int, limit: Int) {
        var current = Array(neighbors(node, layer: layer))
        guard !current.contains(target) else { return }
        current.append(target)
        if current.count > limit {
            let candidates = current
            current = withView { view in
                let ranked = candidates.map { (view.nodeDistance(node, $0), $0) }.sorted { $0.0 < $1.0 }
                return Self.selectNeighbors(view, ranked, limit: limit).map(\.1)
            }
        }
        setLinks(node, layer: layer, to: current)
    }

    /// The heuristic of the paper (algorithm 4): keep a candidate only if it is nearer to the base than to every one kept.
    static func selectNeighbors(_ view: GraphView, _ ranked: [(Float, UInt32)], limit: Int) -> [(Float, UInt32)] {
        guard ranked.count > limit else { return ranked }
        var kept: [(Float, UInt32)] = []
        kept.reserveCapacity(limit)
        for candidate in ranked {
            if kept.count >= limit { break }
            if kept.allSatisfy({ view.nodeDistance(candidate.1, $0.1) > candidate.0 }) { kept.append(candidate) }
        }
        return kept
    }

    static func greedy<Measure: NodeDistance>(
        _ view: GraphView, from start: UInt32, distance startDistance: Float, layer: Int, links buffer: UnsafeMutablePointer<UInt32>,
        _ measure: Measure
    ) -> (UInt32, Float) {
        var current = start
        var currentDistance = startDistance
        var improved = true
        while improved {
            improved = false
            for neighbor in view.links(of: current, layer: layer, buffer: buffer) {
                let candidate = measure(neighbor)
                if candidate < currentDistance {
                    currentDistance = candidate
                    current = neighbor
                    improved = true
                }
            }
        }
        return (current, currentDistance)
    }

    /// Algorithm 2 of the paper; returns up to `ef` accepted nodes, nearest first.
    ///
    /// Nodes that are deleted (when `skipDeleted`) or refused by `filter` are walked through but never returned.
    static func searchLayer<Measure: NodeDistance>(
        _ view: GraphView, entries: [(Float, UInt32)], ef: Int, layer: Int, scratch: inout HNSWSearchScratch, filter: ((UInt32) -> Bool)?,
        skipDeleted: Bool, _ measure: Measure
    ) -> [(Float, UInt32)] {
        scratch.begin(nodeCount: view.nodeCount)
        let linkBuffer = scratch.linkBuffer()
        // The heaps live in the scratch, so that a search allocates nothing once warmed up.
        var candidates = scratch.takeCandidates()
        var results = scratch.takeResults()
        defer { scratch.giveBack(candidates: candidates, results: results) }
        let checksDeleted = skipDeleted && view.hasDeleted
        @inline(__always) func accepted(_ node: UInt32) -> Bool {
            (!checksDeleted || !view.deleted[Int(node)]) && (filter?(node) ?? true)
        }
        for (distance, node) in entries {
            _ = scratch.visit(node)
            candidates.push(distance, node)
            if accepted(node) { results.push(distance, node) }
        }
        func consider(_ neighbor: UInt32) {
            guard scratch.visit(neighbor) else { return }
            let neighborDistance = measure(neighbor)
            guard results.count < ef || neighborDistance < results.topDistance else { return }
            candidates.push(neighborDistance, neighbor)
            if accepted(neighbor) {
                results.push(neighborDistance, neighbor)
                if results.count > ef { results.pop() }
            }
        }
        while !candidates.isEmpty {
            let (distance, node) = candidates.pop()
            if results.count >= ef, distance > results.topDistance { break }
            // Not a closure: one around `consider` would make every access to the heaps and marks a checked one.
            let neighbors = view.links(of: node, layer: layer, buffer: linkBuffer)
            if let first = neighbors.first { measure.prefetch(first) }
            for index in neighbors.indices {
                if index + 1 < neighbors.count { measure.prefetch(neighbors[index + 1]) }
                consider(neighbors[index])
            }
        }
        var ordered: [(Float, UInt32)] = []
        ordered.reserveCapacity(results.count)
        while !results.isEmpty { ordered.append(results.pop()) }
        return ordered.reversed()
    }

    // MARK: Distances

    @inline(__always)
    private static func measure(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int, _ metric: VectorMetric) -> Float {
        switch metric {
        case .cosine: 1 - Distance.dot(a, b, count)
        case .dot: -Distance.dot(a, b, count)
        case .l2: Distance.squaredL2(a, b, count)
        }
    }

    static func distance(_ a: [Float], _ b: [Float], _ metric: VectorMetric) -> Float {
        a.withUnsafeBufferPointer { first in
            b.withUnsafeBufferPointer { second in
                guard let x = first.baseAddress, let y = second.baseAddress else { return .infinity }
                return measure(x, y, min(a.count, b.count), metric)
            }
        }
    }
}

/// Per-search working memory (the visited marks and the two heaps), reused across searches by one caller.
public struct HNSWSearchScratch: Sendable {
    // Two bytes a node, as hnswlib's visited lists: half the cache a search's marks take, for a reset every 65,535 searches.
    private var marks: [UInt16] = []
    private var generation: UInt16 = 0
    private var candidates = DistanceHeap(nearestFirst: true, capacity: 256)
    /// Where a node's links are copied when they cannot be read in place.
    private var links = LinkBuffer()
    private var results = DistanceHeap(nearestFirst: false, capacity: 256)

    public init() {}

    mutating func takeCandidates() -> DistanceHeap {
        var heap = candidates
        candidates = DistanceHeap(nearestFirst: true, capacity: 0)
        heap.removeAll()
        return heap
    }

    mutating func takeResults() -> DistanceHeap {
        var heap = results
        results = DistanceHeap(nearestFirst: false, capacity: 0)
        heap.removeAll()
        return heap
    }

    mutating func giveBack(candidates: DistanceHeap, results: DistanceHeap) {
        self.candidates = candidates
        self.results = results
    }

    /// The link buffer, this scratch's own (a copy of a scratch gets a new one on first use: two threads must not share it).
    mutating func linkBuffer() -> UnsafeMutablePointer<UInt32> {
        if !isKnownUniquelyReferenced(&links) { links = LinkBuffer() }
        return links.start
    }

    mutating func begin(nodeCount: Int) {
        if marks.count < nodeCount { marks.append(contentsOf: repeatElement(0, count: nodeCount - marks.count)) }
        generation &+= 1
        if generation == 0 {
            for index in marks.indices { marks[index] = 0 }
            generation = 1
        }
    }

    /// Marks `node` visited; false if it already was.
    @inline(__always)
    mutating func visit(_ node: UInt32) -> Bool {
        if marks[Int(node)] == generation { return false }
        marks[Int(node)] = generation
        return true
    }
}

/// Room for one node's links (at most 255, the most a count byte holds), owned by one search scratch.
final class LinkBuffer: @unchecked Sendable {
    static let capacity = 256
    let start = UnsafeMutablePointer<UInt32>.allocate(capacity: LinkBuffer.capacity)

    deinit { start.deallocate() }
}

/// Why the vector index refused a call. Each case reads as one sentence.
public enum VectorIndexError: Error, Sendable, Equatable, CustomStringConvertible {
    case wrongDimension(expected: Int, got: Int)
    case zeroVector
    case notFinite
    case quantized
    case corruptFile(reason: String)
    case duplicateID(Int)
    case unsupportedPrecision(String)

    public var description: String {
        switch self {
        case .wrongDimension(let expected, let got): "the vector has \(got) dimensions; this index holds \(expected)"
        case .zeroVector: "a zero vector has no direction to compare by cosine"
        case .notFinite: "the vector holds a NaN or infinite value"
        case .quantized: "this index holds packed int8 codes (a read-only form); rebuild it from the float vectors to add more"
        case .corruptFile(let reason): "the saved vector index cannot be used: \(reason)"
        case .duplicateID(let id): "id \(id) is given twice or is in the index already; a batch adds new ids only"
        case .unsupportedPrecision(let precision): "the embedded vector index does not store \(precision) vectors (float32 or int8)"
        }
    }
}
