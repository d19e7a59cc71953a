import ApexCore
import Testing

@Suite struct TextChunkerTests {
    static let text = """
        Unit 6520 went into the shop on March 1. The odometer read 441,200 miles — later corrected to 440,120!
        Was the DPF filter replaced? Yes.

        Robert drove unit 6520 until April 1, when Linda took over. Café stops: Tulsa, Memphis, Dallas.
        """

    @Test func offsetsReproduceTheTextAndChunksRespectTheSize() {
        let chunker = TextChunker(maximumTokens: 12, overlapTokens: 4)
        let chunks = chunker.chunks(of: Self.text)
        let scalars = Array(Self.text.unicodeScalars)
        #expect(chunks.count > 2)
        for chunk in chunks {
            #expect(chunk.text == String(String.UnicodeScalarView(scalars[chunk.start..<chunk.end])))
            #expect(chunk.tokenCount <= 12)
        }
        #expect(chunks.map(\.index) == Array(0..<chunks.count))
        #expect(chunks.first?.start == 0)
        #expect(chunks.last?.end == scalars.count)
        // Consecutive chunks overlap or leave only white space between them: nothing of the text is skipped.
        for (previous, next) in zip(chunks, chunks.dropFirst()) {
            #expect(next.start > previous.start)
            if next.start > previous.end {
                let gap = scalars[previous.end..<next.start].allSatisfy { $0.properties.isWhitespace }
                #expect(gap)
            }
        }
        let overlapping = zip(chunks, chunks.dropFirst()).contains { previous, next in next.start < previous.end }
        #expect(overlapping, "no two chunks overlap")
    }

    @Test func chunksEndAtSentenceBoundariesWhenSentencesFit() {
        let chunks = TextChunker(maximumTokens: 40, overlapTokens: 0).chunks(of: Self.text)
        for chunk in chunks.dropLast() {
            #expect([".", "!", "?"].contains(chunk.text.unicodeScalars.last ?? " "), "chunk ends mid-sentence: \(chunk.text)")
        }
    }

    @Test func emptyTextHasNoChunks() {
        #expect(TextChunker().chunks(of: "  \n ").isEmpty)
    }
}

@Suite struct FeatureHashingEmbedderTests {
    @Test func embeddingsAreDeterministicNormalisedAndSimilarForSimilarText() {
        let embedder = FeatureHashingEmbedder(dimension: 256)
        let a = embedder.embed("Tractor 6520 is in repair at the Dallas shop")
        #expect(a == FeatureHashingEmbedder(dimension: 256).embed("Tractor 6520 is in repair at the Dallas shop"))
        #expect(a.count == 256)
        #expect(abs(a.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
        let similar = embedder.embed("tractor 6520 in repair in Dallas")
        let unrelated = embedder.embed("Invoice INV-12019 was paid by ACME Corporation")
        func cosine(_ x: [Float], _ y: [Float]) -> Float { zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(cosine(a, similar) > cosine(a, unrelated) + 0.2)
        #expect(embedder.embed("!!! ---").allSatisfy { $0 == 0 })
    }
}
