/// A deterministic offline embedder that needs no model: words and character trigrams hashed into a fixed dimension.
///
/// Each feature adds ±1 (the sign from another bit of the hash) to one of
/// `dimension` slots; the vector is then L2-normalised. Texts that share words
/// and spellings land near each other, which is enough for tests, demos and
/// keyword-ish retrieval; real deployments use a model-backed embedder. The hash
/// is FNV-1a (64-bit), the same on every machine and run.
public struct FeatureHashingEmbedder: Sendable {
    public let dimension: Int
    public init(dimension: Int = 384) {
        self.dimension = max(8, dimension)
    }

    /// The embedding of `text` (all zeros for text without letters or digits).
    public func embed(_ text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: dimension)
        let lowered = text.lowercased()
        let scalars = Array(lowered.unicodeScalars)
        for token in TextChunker.tokens(in: scalars) {
            let word = Array(scalars[token])
            guard word.first.map({ $0.properties.isAlphabetic || $0.properties.numericType != nil }) ?? false else { continue }
            add(Self.hash(word, salt: 0x77), weight: 1, to: &vector)
            let padded: [Unicode.Scalar] = ["<"] + word + [">"]
            if padded.count >= 3 {
                for start in 0...(padded.count - 3) {
                    add(Self.hash(Array(padded[start..<(start + 3)]), salt: 0x33), weight: 0.5, to: &vector)
                }
            }
        }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { for index in vector.indices { vector[index] /= norm } }
        return vector
    }

    private func add(_ hash: UInt64, weight: Float, to vector: inout [Float]) {
        let slot = Int(hash % UInt64(dimension))
        vector[slot] += (hash >> 63) == 0 ? weight : -weight
    }

    static func hash(_ scalars: [Unicode.Scalar], salt: UInt64) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ salt
        for scalar in scalars {
            var value = scalar.value
            for _ in 0..<4 {
                hash ^= UInt64(value & 0xFF)
                hash = hash &* 0x100_0000_01B3
                value >>= 8
            }
        }
        return hash
    }
}
