/// Splits a document into overlapping chunks of whole sentences, keeping where each chunk came from.
///
/// Sizes are in tokens (runs of letters and digits, or single other
/// non-space characters). A chunk holds whole sentences up to `maximumTokens`;
/// a sentence longer than that is cut at token boundaries. Each chunk after the
/// first starts with the last sentences of the one before, up to
/// `overlapTokens`. Offsets count Unicode scalars (a Python string's indices),
/// and `text` is exactly the original text between them.
public struct TextChunker: Sendable {
    public var maximumTokens: Int
    public var overlapTokens: Int

    public init(maximumTokens: Int = 200, overlapTokens: Int = 40) {
        self.maximumTokens = max(1, maximumTokens)
        self.overlapTokens = max(0, min(overlapTokens, maximumTokens / 2))
    }

    /// The chunks of `text`, in order; none for text without tokens.
    public func chunks(of text: String) -> [TextChunk] {
        let scalars = Array(text.unicodeScalars)
        let tokens = Self.tokens(in: scalars)
        guard !tokens.isEmpty else { return [] }
        let sentences = Self.sentences(tokens: tokens, scalars: scalars)
        var pieces: [Range<Int>] = []  // token index ranges
        for sentence in sentences {
            var start = sentence.lowerBound
            while sentence.upperBound - start > maximumTokens {
                pieces.append(start..<(start + maximumTokens))
                start += maximumTokens
            }
            pieces.append(start..<sentence.upperBound)
        }
        var chunks: [TextChunk] = []
        var index = 0
        while index < pieces.count {
            var end = index
            var count = 0
            while end < pieces.count, count + pieces[end].count <= maximumTokens {
                count += pieces[end].count
                end += 1
            }
            if end == index { end = index + 1 }
            let first = tokens[pieces[index].lowerBound].lowerBound
            let last = tokens[pieces[end - 1].upperBound - 1].upperBound
            chunks.append(
                TextChunk(
                    index: chunks.count, start: first, end: last, tokenCount: pieces[index..<end].reduce(0) { $0 + $1.count },
                    text: String(String.UnicodeScalarView(scalars[first..<last]))))
            guard end < pieces.count else { break }
            // Step back over whole pieces that fit in the overlap, but always move forward.
            var next = end
            var overlap = 0
            while next - 1 > index, overlap + pieces[next - 1].count <= overlapTokens {
                overlap += pieces[next - 1].count
                next -= 1
            }
            index = next
        }
        return chunks
    }

    /// The words of `text` (runs of letters and digits), in order: the terms a full-text query searches for.
    public static func words(in text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return tokens(in: scalars).compactMap { range in
            guard let first = scalars[range].first, first.properties.isAlphabetic || first.properties.numericType != nil else { return nil }
            return String(String.UnicodeScalarView(scalars[range]))
        }
    }

    /// Token ranges (in scalars): letters and digits run together; any other non-space scalar is a token of its own.
    static func tokens(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var tokens: [Range<Int>] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar.properties.isWhitespace {
                index += 1
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                let start = index
                while index < scalars.count, scalars[index].properties.isAlphabetic || scalars[index].properties.numericType != nil {
                    index += 1
                }
                tokens.append(start..<index)
            } else {
                tokens.append(index..<(index + 1))
                index += 1
            }
        }
        return tokens
    }

    /// Sentences as token index ranges: a sentence ends after `.`, `!` or `?` followed by white space, or at a blank line.
    static func sentences(tokens: [Range<Int>], scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var sentences: [Range<Int>] = []
        var start = 0
        for (position, token) in tokens.enumerated() {
            let isLast = position == tokens.count - 1
            var ends = isLast
            if !isLast {
                let next = tokens[position + 1].lowerBound
                let gap = scalars[token.upperBound..<next]
                let terminal = token.count == 1 && [".", "!", "?"].contains(scalars[token.lowerBound])
                ends = (terminal && !gap.isEmpty) || gap.filter({ $0 == "\n" }).count >= 2
            }
            if ends {
                sentences.append(start..<(position + 1))
                start = position + 1
            }
        }
        return sentences
    }
}

/// One chunk of a document: its text and where it lies in the original (Unicode scalar offsets, end exclusive).
public struct TextChunk: Sendable, Equatable {
    public var index: Int
    public var start: Int
    public var end: Int
    public var tokenCount: Int
    public var text: String

    public init(index: Int, start: Int, end: Int, tokenCount: Int, text: String) {
        self.index = index
        self.start = start
        self.end = end
        self.tokenCount = tokenCount
        self.text = text
    }
}
