import CApexKernels
import Dispatch
import Synchronization

extension HNSWIndex {
    /// Inserts the nodes `nodes` (appended already, without links) into the live graph on `threads` threads, as
    /// hnswlib does: each thread takes the next node, searches the graph as it is at that moment and links the node
    /// in, every node's links read and changed under a lock of its own. A node that reaches above the entry point is
    /// inserted while holding a lock that other such nodes wait for, and then becomes the entry point.
    mutating func insertConcurrently(_ nodes: Range<Int>, threads: Int) {
        let (m, ef) = (parameters.m, parameters.efConstruction)
        // The upper layers go into one flat array for the build: per node, per layer, a count and then m slots.
        var upperStart = [Int](repeating: 0, count: ids.count)
        var total = 0
        for node in 0..<ids.count {
            upperStart[node] = total
            total += Int(levels[node]) * (m + 1)
        }
        var upper = [UInt32](repeating: 0, count: total + 1)
        for node in 0..<nodes.lowerBound where levels[node] > 0 {
            for (offset, list) in upperLinks[node].enumerated() {
                let base = upperStart[node] + offset * (m + 1)
                upper[base] = UInt32(min(list.count, m))
                for (slot, target) in list.prefix(m).enumerated() { upper[base + 1 + slot] = target }
            }
        }
        var locks = [UInt8](repeating: 0, count: ids.count + 1)
        let top = Mutex((entry: UInt32(entry), level: maxLevel))
        let raising = Mutex(())
        let claimed = Atomic(nodes.lowerBound)
        let levels = self.levels
        withMutableLayer0 { view, links0, counts0 in
            upper.withUnsafeMutableBufferPointer { upper in
                upperStart.withUnsafeBufferPointer { upperStart in
                    locks.withUnsafeMutableBufferPointer { locks in
                        var view = view
                        view.concurrent = ConcurrentLinks(
                            locks: locks.baseAddress.unsafelyUnwrapped, links0: links0.baseAddress.unsafelyUnwrapped,
                            counts0: counts0.baseAddress.unsafelyUnwrapped, upper: upper.baseAddress.unsafelyUnwrapped,
                            upperStart: upperStart.baseAddress.unsafelyUnwrapped, m: m, m0: view.m0)
                        let shared = SharedAcrossThreads(view)
                        DispatchQueue.concurrentPerform(iterations: threads) { _ in
                            let view = shared.value
                            var scratch = HNSWSearchScratch()
                            while case let next = claimed.wrappingAdd(1, ordering: .relaxed).oldValue, next < nodes.upperBound {
                                let node = UInt32(next)
                                let level = Int(levels[next])
                                let current = top.withLock { $0 }
                                guard level > current.level else {
                                    Self.insertLive(view, node: node, level: level, entry: current.entry, top: current.level, ef: ef, scratch: &scratch)
                                    continue
                                }
                                raising.withLock { _ in
                                    let now = top.withLock { $0 }
                                    Self.insertLive(view, node: node, level: level, entry: now.entry, top: now.level, ef: ef, scratch: &scratch)
                                    if level > now.level { top.withLock { $0 = (node, level) } }
                                }
                            }
                        }
                    }
                }
            }
        }
        for node in 0..<ids.count where levels[node] > 0 {
            upperLinks[node] = (0..<Int(levels[node])).map { offset in
                let base = upperStart[node] + offset * (m + 1)
                return Array(upper[(base + 1)..<(base + 1 + Int(upper[base]))])
            }
        }
        let final = top.withLock { $0 }
        entry = Int(final.entry)
        maxLevel = final.level
    }

    /// Finds `node`'s neighbours in the graph as it is now and links it in, both ways, layer by layer.
    private static func insertLive(
        _ view: GraphView, node: UInt32, level: Int, entry: UInt32, top: Int, ef: Int, scratch: inout HNSWSearchScratch
    ) {
        guard let links = view.concurrent else { return }
        let found = layerCandidates(view, node: node, level: level, entry: entry, top: top, ef: ef, scratch: &scratch)
        for (layer, candidates) in found.enumerated() where !candidates.isEmpty {
            let chosen = selectNeighbors(view, candidates, limit: links.m).map(\.1)
            links.lock(node)
            links.setLinks(of: node, layer: layer, to: chosen)
            links.unlock(node)
            for neighbor in chosen { linkBack(view, links, neighbor, to: node, layer: layer, limit: layer == 0 ? links.m0 : links.m) }
        }
    }

    /// Adds `source` to `target`'s links on `layer` under `target`'s lock, pruning with the heuristic when they are full.
    private static func linkBack(_ view: GraphView, _ links: ConcurrentLinks, _ target: UInt32, to source: UInt32, layer: Int, limit: Int) {
        links.lock(target)
        defer { links.unlock(target) }
        let current = links.links(of: target, layer: layer)
        if current.contains(source) { return }
        if current.count < limit {
            links.append(source, to: target, layer: layer)
            return
        }
        let ranked = (Array(current) + [source]).map { (view.nodeDistance(target, $0), $0) }.sorted { $0.0 < $1.0 }
        links.setLinks(of: target, layer: layer, to: selectNeighbors(view, ranked, limit: limit).map(\.1))
    }
}

/// The links of a graph open for writing by several threads, each node's under its own lock (hnswlib's scheme).
struct ConcurrentLinks {
    let locks: UnsafeMutablePointer<UInt8>
    let links0: UnsafeMutablePointer<UInt32>
    let counts0: UnsafeMutablePointer<UInt8>
    /// Per node with upper layers, per layer from 1: a count, then `m` slots.
    let upper: UnsafeMutablePointer<UInt32>
    /// Where each node's upper layers start in `upper`.
    let upperStart: UnsafePointer<Int>
    let m: Int
    let m0: Int

    @inline(__always)
    func lock(_ node: UInt32) { apex_spin_lock(locks + Int(node)) }

    @inline(__always)
    func unlock(_ node: UInt32) { apex_spin_unlock(locks + Int(node)) }

    /// `node`'s links on `layer` in place; the caller holds the node's lock.
    @inline(__always)
    func links(of node: UInt32, layer: Int) -> UnsafeMutableBufferPointer<UInt32> {
        if layer == 0 { return UnsafeMutableBufferPointer(start: links0 + Int(node) * m0, count: Int(counts0[Int(node)])) }
        let base = upperBase(node, layer)
        return UnsafeMutableBufferPointer(start: base + 1, count: Int(base[0]))
    }

    /// Replaces `node`'s links on `layer`; the caller holds the node's lock.
    func setLinks(of node: UInt32, layer: Int, to targets: [UInt32]) {
        if layer == 0 {
            let start = links0 + Int(node) * m0
            for (slot, target) in targets.prefix(m0).enumerated() { start[slot] = target }
            counts0[Int(node)] = UInt8(min(targets.count, m0))
        } else {
            let base = upperBase(node, layer)
            for (slot, target) in targets.prefix(m).enumerated() { base[1 + slot] = target }
            base[0] = UInt32(min(targets.count, m))
        }
    }

    /// Adds `source` after `node`'s links on `layer`, which have room; the caller holds the node's lock.
    func append(_ source: UInt32, to node: UInt32, layer: Int) {
        if layer == 0 {
            let count = Int(counts0[Int(node)])
            links0[Int(node) * m0 + count] = source
            counts0[Int(node)] = UInt8(count + 1)
        } else {
            let base = upperBase(node, layer)
            base[1 + Int(base[0])] = source
            base[0] += 1
        }
    }

    /// Copies `node`'s links on `layer` into `buffer` under the node's lock; returns how many.
    @inline(__always)
    func copyLinks(of node: UInt32, layer: Int, into buffer: UnsafeMutableBufferPointer<UInt32>) -> Int {
        lock(node)
        defer { unlock(node) }
        let current = links(of: node, layer: layer)
        for index in current.indices { buffer[index] = current[index] }
        return current.count
    }

    @inline(__always)
    private func upperBase(_ node: UInt32, _ layer: Int) -> UnsafeMutablePointer<UInt32> {
        upper + upperStart[Int(node)] + (layer - 1) * (m + 1)
    }
}
