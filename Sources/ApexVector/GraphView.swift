import CApexKernels

/// Raw pointers into an index's arrays for the length of one operation, so that the hot loops touch memory directly.
struct GraphView {
    let vectors: UnsafeBufferPointer<Float>
    let codes: UnsafeBufferPointer<Int8>
    let links0: UnsafeBufferPointer<UInt32>
    let counts0: UnsafeBufferPointer<UInt8>
    /// Where each node's layer-0 links start once the index is compacted (`nodeCount + 1` entries), else empty.
    let offsets0: UnsafeBufferPointer<UInt32>
    let nodeCount: Int
    let deleted: UnsafeBufferPointer<Bool>
    /// Whether any node is a tombstone (if not, the search skips the check).
    let hasDeleted: Bool
    let upperLinks: [[[UInt32]]]
    let dimension: Int
    let m0: Int
    let metric: VectorMetric
    let codeScale: Float
    /// Set while several threads insert into the graph at once: its links are then read under each node's lock.
    var concurrent: ConcurrentLinks? = nil

    /// `node`'s links on `layer`: in place when nothing changes them meanwhile, else copied into `buffer` (a
    /// ``LinkBuffer``), under the node's lock during a concurrent build.
    @inline(__always)
    func links(of node: UInt32, layer: Int, buffer: UnsafeMutablePointer<UInt32>) -> UnsafeBufferPointer<UInt32> {
        if let concurrent {
            let count = concurrent.copyLinks(of: node, layer: layer, into: UnsafeMutableBufferPointer(start: buffer, count: LinkBuffer.capacity))
            return UnsafeBufferPointer(start: buffer, count: count)
        }
        if layer == 0 { return layer0(node) }
        let list = upperLinks[Int(node)][layer - 1].prefix(LinkBuffer.capacity)
        for (index, target) in list.enumerated() { buffer[index] = target }
        return UnsafeBufferPointer(start: buffer, count: list.count)
    }

    @inline(__always)
    func layer0(_ node: UInt32) -> UnsafeBufferPointer<UInt32> {
        if !offsets0.isEmpty {
            return UnsafeBufferPointer(rebasing: links0[Int(offsets0[Int(node)])..<Int(offsets0[Int(node) + 1])])
        }
        let start = Int(node) * m0
        return UnsafeBufferPointer(rebasing: links0[start..<(start + Int(counts0[Int(node)]))])
    }

    @inline(__always)
    func vector(_ node: UInt32) -> UnsafePointer<Float> {
        // The caller holds a float index (vectors is not empty), so the base address exists.
        vectors.baseAddress.unsafelyUnwrapped + Int(node) * dimension
    }

    @inline(__always)
    func code(_ node: UInt32) -> UnsafePointer<Int8> {
        codes.baseAddress.unsafelyUnwrapped + Int(node) * dimension
    }

    @inline(__always)
    func floatDistance(_ query: UnsafePointer<Float>, _ node: UInt32) -> Float {
        let other = vector(node)
        switch metric {
        case .cosine: return 1 - Distance.dot(query, other, dimension)
        case .dot: return -Distance.dot(query, other, dimension)
        case .l2: return Distance.squaredL2(query, other, dimension)
        }
    }

    /// The distance between two nodes, on their codes when the index holds codes (a quantized index that takes writes).
    @inline(__always)
    func nodeDistance(_ a: UInt32, _ b: UInt32) -> Float {
        codes.isEmpty ? floatDistance(vector(a), b) : codedDistance(code(a), b)
    }

    @inline(__always)
    func codedDistance(_ query: UnsafePointer<Int8>, _ node: UInt32) -> Float {
        let other = code(node)
        let squaredScale = codeScale * codeScale
        switch metric {
        case .cosine: return 1 - Float(Distance.dot(query, other, dimension)) * squaredScale
        case .dot: return -Float(Distance.dot(query, other, dimension)) * squaredScale
        case .l2: return Float(Distance.squaredL2(query, other, dimension)) * squaredScale
        }
    }
}

/// Measures distances from one query to nodes; specialised per representation so that the search loop inlines it.
protocol NodeDistance {
    func callAsFunction(_ node: UInt32) -> Float
    /// Asks the CPU for the node's vector ahead of `callAsFunction`: a search's time goes mostly into waiting
    /// for vectors scattered over the index.
    func prefetch(_ node: UInt32)
}

struct FloatQueryDistance: NodeDistance {
    let view: GraphView
    let query: UnsafePointer<Float>

    @inline(__always)
    func callAsFunction(_ node: UInt32) -> Float { view.floatDistance(query, node) }

    @inline(__always)
    func prefetch(_ node: UInt32) { apex_prefetch_head(view.vector(node)) }
}

struct CodedQueryDistance: NodeDistance {
    let view: GraphView
    let query: UnsafePointer<Int8>

    @inline(__always)
    func callAsFunction(_ node: UInt32) -> Float { view.codedDistance(query, node) }

    @inline(__always)
    func prefetch(_ node: UInt32) { apex_prefetch_head(view.code(node)) }
}

/// Distances from one node of the index to others, on floats or codes: what an insertion measures.
struct NodeToNodeDistance: NodeDistance {
    let view: GraphView
    let node: UInt32

    @inline(__always)
    func callAsFunction(_ other: UInt32) -> Float { view.nodeDistance(node, other) }

    @inline(__always)
    func prefetch(_ other: UInt32) { view.codes.isEmpty ? apex_prefetch_head(view.vector(other)) : apex_prefetch_head(view.code(other)) }
}
