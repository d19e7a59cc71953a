/// Exact cosine nearest neighbours by scanning every vector: the truth an approximate index's recall is measured
/// against (benchmarks, the vector migration test).
public struct ExactNeighbours: Sendable {
    public let dimension: Int
    private var ids: [Int64] = []
    private var vectors: [Float] = []

    public init(dimension: Int) {
        self.dimension = dimension
    }

    /// Adds a vector (normalised here; a vector without direction is left out, as the indexes do).
    public mutating func add(id: Int64, vector: [Float]) {
        guard vector.count == dimension else { return }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0, norm.isFinite else { return }
        ids.append(id)
        vectors.append(contentsOf: vector.map { $0 / norm })
    }

    /// The ids of the `k` vectors nearest to `query` by cosine, nearest first.
    public func nearest(_ query: [Float], k: Int) -> [Int64] {
        guard query.count == dimension, k > 0 else { return [] }
        let norm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return [] }
        let unit = query.map { $0 / norm }
        var best: [(similarity: Float, id: Int64)] = []
        unit.withUnsafeBufferPointer { q in
            vectors.withUnsafeBufferPointer { all in
                guard let base = all.baseAddress, let queryBase = q.baseAddress else { return }
                for row in ids.indices {
                    let similarity = Distance.dot(queryBase, base + row * dimension, dimension)
                    if best.count < k {
                        best.append((similarity, ids[row]))
                        best.sort { $0.similarity > $1.similarity }
                    } else if let last = best.last, similarity > last.similarity {
                        best[best.count - 1] = (similarity, ids[row])
                        best.sort { $0.similarity > $1.similarity }
                    }
                }
            }
        }
        return best.map(\.id)
    }
}
