import Dispatch
import Synchronization

extension HNSWIndex {
    /// Nodes whose neighbours are searched for at once, per thread.
    static let batchPerThread = 64
    /// Below this many nodes the graph is built one node at a time (a young graph changes too much per batch).
    static let sequentialStart = 1_000

    /// Adds `items` (ids not in the index yet, each once) using `threads` threads, for a build that uses every core.
    ///
    /// Nodes go in in batches: each node of a batch searches the graph as it
    /// was before the batch (the searches run in parallel; the graph is only
    /// read), and is compared exactly with the nodes of its batch before it,
    /// so that it finds them as a one-at-a-time build would. Links are then
    /// set in order, the reverse links of layer 0 in parallel per target
    /// node. The graph is as good as a sequential build's (recall is measured
    /// by `apex bench vector --threads`). Items are checked before any is
    /// added: a bad one throws and adds nothing.
    public mutating func add(contentsOf items: [(id: Int, vector: [Float])], threads: Int) throws(VectorIndexError) {
        guard !isQuantized || offsets0.isEmpty else { throw .quantized }
        var prepared: [(id: Int, vector: [Float])] = []
        prepared.reserveCapacity(items.count)
        var seen = Set<Int>()
        for item in items {
            guard item.vector.count == dimension else { throw .wrongDimension(expected: dimension, got: item.vector.count) }
            guard item.vector.allSatisfy(\.isFinite) else { throw .notFinite }
            guard let stored = self.prepared(item.vector) else { throw .zeroVector }
            guard seen.insert(item.id).inserted, nodeByID[item.id] == nil else { throw .duplicateID(item.id) }
            prepared.append((item.id, stored))
        }
        var next = 0
        // One scratch per thread for the whole build.
        var scratches = [HNSWSearchScratch](repeating: HNSWSearchScratch(), count: max(1, threads))
        // A quantized index adds one node at a time (its batches would compare codes exactly; not worth a second path).
        while next < prepared.count, threads <= 1 || ids.count < Self.sequentialStart || isQuantized {
            insert(id: prepared[next].id, stored: prepared[next].vector, scratch: &scratches[0])
            next += 1
        }
        let batch = Self.batchPerThread * max(1, threads)
        while next < prepared.count {
            let end = min(next + batch, prepared.count)
            insertBatch(prepared[next..<end], threads: threads, scratches: &scratches)
            next = end
        }
    }

    /// Appends `items` as nodes, finds their neighbours in parallel and links them.
    private mutating func insertBatch(_ items: ArraySlice<(id: Int, vector: [Float])>, threads: Int, scratches: inout [HNSWSearchScratch]) {
        let nodes = items.map { append(id: $0.id, stored: $0.vector) }
        let levelOf = nodes.map { Int(levels[Int($0)]) }
        let top = maxLevel
        let start = UInt32(entry)
        let ef = parameters.efConstruction
        let m = parameters.m
        var chosen = [[[UInt32]]](repeating: [], count: nodes.count)
        // Positions are handed out one at a time, so that a thread with cheaper nodes takes more of them.
        let claimed = Atomic(0)
        withView { view in
            chosen.withUnsafeMutableBufferPointer { results in
                scratches.withUnsafeMutableBufferPointer { scratches in
                    let shared = SharedAcrossThreads((view, results, scratches))
                    DispatchQueue.concurrentPerform(iterations: threads) { thread in
                        let (view, results, scratches) = shared.value
                        while case let position = claimed.wrappingAdd(1, ordering: .relaxed).oldValue, position < nodes.count {
                            results[position] = Self.batchNeighbours(
                                view, position: position, nodes: nodes, levelOf: levelOf, entry: start, top: top, ef: ef, m: m,
                                scratch: &scratches[thread])
                        }
                    }
                }
            }
        }
        for (position, node) in nodes.enumerated() {
            for (layer, targets) in chosen[position].enumerated() { setLinks(node, layer: layer, to: targets) }
        }
        // Upper layers are few links: in order, one thread.
        for (position, node) in nodes.enumerated() {
            for (layer, targets) in chosen[position].enumerated() where layer > 0 {
                for target in targets { link(target, to: node, layer: layer, limit: m) }
            }
        }
        linkLayer0Back(nodes: nodes, chosen: chosen, threads: threads)
        for node in nodes { raiseEntry(to: node) }
    }

    /// The neighbours the batch's node at `position` chooses on each of its layers: from the graph as it was before the
    /// batch, and from the batch's earlier nodes, which the graph does not reach yet (measured exactly).
    private static func batchNeighbours(
        _ view: GraphView, position: Int, nodes: [UInt32], levelOf: [Int], entry: UInt32, top: Int, ef: Int, m: Int,
        scratch: inout HNSWSearchScratch
    ) -> [[UInt32]] {
        let node = nodes[position]
        let level = levelOf[position]
        var found = layerCandidates(view, node: node, level: level, entry: entry, top: top, ef: ef, scratch: &scratch)
        for earlier in 0..<position {
            let distance = view.nodeDistance(node, nodes[earlier])
            for layer in 0...min(level, levelOf[earlier]) { found[layer].append((distance, nodes[earlier])) }
        }
        return found.map { candidates in
            let ranked = position == 0 ? candidates : Array(candidates.sorted { $0.0 < $1.0 }.prefix(ef))
            return selectNeighbors(view, ranked, limit: m).map(\.1)
        }
    }

    /// Adds each new node to the layer-0 links of the nodes it chose, grouped by target so that threads never share one.
    private mutating func linkLayer0Back(nodes: [UInt32], chosen: [[[UInt32]]], threads: Int) {
        var incoming: [UInt32: [UInt32]] = [:]
        for (position, node) in nodes.enumerated() {
            for target in chosen[position].first ?? [] { incoming[target, default: []].append(node) }
        }
        let groups = Array(incoming)
        let m0 = self.m0
        withMutableLayer0 { view, links, counts in
            let shared = SharedAcrossThreads((view, links, counts))
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                let (view, links, counts) = shared.value
                for index in stride(from: thread, to: groups.count, by: threads) {
                    let (target, sources) = groups[index]
                    for source in sources { Self.linkInPlace(view, links, counts, target, to: source, m0: m0) }
                }
            }
        }
    }

    /// Adds `source` to `target`'s layer-0 links in place, pruning with the heuristic when they are full.
    private static func linkInPlace(
        _ view: GraphView, _ links: UnsafeMutableBufferPointer<UInt32>, _ counts: UnsafeMutableBufferPointer<UInt8>, _ target: UInt32,
        to source: UInt32, m0: Int
    ) {
        let start = Int(target) * m0
        let count = Int(counts[Int(target)])
        if links[start..<(start + count)].contains(source) { return }
        if count < m0 {
            links[start + count] = source
            counts[Int(target)] = UInt8(count + 1)
            return
        }
        let ranked = (links[start..<(start + count)] + [source]).map { (view.nodeDistance(target, $0), $0) }.sorted { $0.0 < $1.0 }
        let kept = selectNeighbors(view, ranked, limit: m0)
        for (offset, node) in kept.enumerated() { links[start + offset] = node.1 }
        counts[Int(target)] = UInt8(kept.count)
    }

    /// Runs `body` with a view for distances and the layer-0 links open for writing.
    private mutating func withMutableLayer0(
        _ body: (GraphView, UnsafeMutableBufferPointer<UInt32>, UnsafeMutableBufferPointer<UInt8>) -> Void
    ) {
        let nodeCount = ids.count
        let (dimension, m0, metric, codeScale, upperLinks) = (self.dimension, self.m0, self.metric, self.codeScale, self.upperLinks)
        vectors.withUnsafeBufferPointer { vectors in
            codes.withUnsafeBufferPointer { codes in
                offsets0.withUnsafeBufferPointer { offsets0 in
                    deleted.withUnsafeBufferPointer { deleted in
                        let hasDeleted = deletedCount > 0
                        links0.withUnsafeMutableBufferPointer { links in
                            counts0.withUnsafeMutableBufferPointer { counts in
                                let view = GraphView(
                                    vectors: vectors, codes: codes, links0: UnsafeBufferPointer(links), counts0: UnsafeBufferPointer(counts),
                                    offsets0: offsets0, nodeCount: nodeCount, deleted: deleted, hasDeleted: hasDeleted, upperLinks: upperLinks,
                                    dimension: dimension, m0: m0, metric: metric, codeScale: codeScale)
                                body(view, links, counts)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Pointers into an index handed to the threads of one batch step: sound because during that step every thread only
/// reads the graph and writes slots no other thread touches (its own results, or the links of its own target nodes).
private struct SharedAcrossThreads<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
