import Dispatch

extension HNSWIndex {
    /// Below this many nodes the graph is built one node at a time (a young graph changes too much per batch).
    static let sequentialStart = 1_000

    /// Adds `items` (ids not in the index yet, each once) using `threads` threads, for a build that uses every core.
    ///
    /// The first nodes of a young graph go in one at a time; the rest are
    /// inserted by `threads` threads at once into the live graph, each node's
    /// links under a lock of its own (``insertConcurrently(_:threads:)``), as
    /// hnswlib builds. The graph is as good as a sequential build's (recall is
    /// measured by `apex bench vector --threads`), though not the same from run
    /// to run. Items are checked before any is added: a bad one throws and adds
    /// nothing.
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
        // One scratch for the whole sequential part: its visited marks are as long as the graph.
        var scratch = HNSWSearchScratch()
        // A quantized index adds one node at a time (its concurrent inserts would need codes for every distance; not worth a second path).
        while next < prepared.count, threads <= 1 || ids.count < Self.sequentialStart || isQuantized {
            insert(id: prepared[next].id, stored: prepared[next].vector, scratch: &scratch)
            next += 1
        }
        guard next < prepared.count else { return }
        let first = ids.count
        for item in prepared[next...] { _ = append(id: item.id, stored: item.vector) }
        insertConcurrently(first..<ids.count, threads: threads)
    }

    /// Runs `body` with a view for distances and the layer-0 links open for writing.
    mutating func withMutableLayer0(
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

/// Pointers into an index handed to the threads of a concurrent build: sound because every link they reach is read
/// and written only under its node's lock, and the vectors do not change during the build.
struct SharedAcrossThreads<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
