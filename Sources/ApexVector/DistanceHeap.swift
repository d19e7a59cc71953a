/// A binary heap of (distance, node) pairs: the candidate and result queues of an HNSW search.
///
/// `nearestFirst` pops the smallest distance first (candidates); otherwise the
/// largest (results, whose worst is evicted). Kept small and specialised: it is
/// on the hot path of every query.
struct DistanceHeap {
    private(set) var distances: [Float] = []
    private(set) var nodes: [UInt32] = []
    let nearestFirst: Bool

    init(nearestFirst: Bool, capacity: Int) {
        self.nearestFirst = nearestFirst
        distances.reserveCapacity(capacity)
        nodes.reserveCapacity(capacity)
    }

    var count: Int { distances.count }
    var isEmpty: Bool { distances.isEmpty }
    var topDistance: Float { distances[0] }
    var topNode: UInt32 { nodes[0] }

    mutating func removeAll() {
        distances.removeAll(keepingCapacity: true)
        nodes.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private func before(_ a: Float, _ b: Float) -> Bool {
        nearestFirst ? a < b : a > b
    }

    mutating func push(_ distance: Float, _ node: UInt32) {
        distances.append(distance)
        nodes.append(node)
        var child = distances.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(distances[child], distances[parent]) else { break }
            distances.swapAt(child, parent)
            nodes.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func pop() -> (Float, UInt32) {
        let top = (distances[0], nodes[0])
        let last = distances.count - 1
        distances.swapAt(0, last)
        nodes.swapAt(0, last)
        distances.removeLast()
        nodes.removeLast()
        var parent = 0
        let count = distances.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            var best = left
            let right = left + 1
            if right < count, before(distances[right], distances[left]) { best = right }
            guard before(distances[best], distances[parent]) else { break }
            distances.swapAt(best, parent)
            nodes.swapAt(best, parent)
            parent = best
        }
        return top
    }
}
