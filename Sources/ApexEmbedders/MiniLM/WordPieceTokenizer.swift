import ApexCore
import Foundation

/// BERT's tokenizer as a sentence-embedding model's `tokenizer.json` describes it: the text normalised (control
/// characters dropped, CJK ideographs set apart, accents stripped, lower-cased), split on white space and
/// punctuation, each word cut into the longest vocabulary pieces (`##` before a piece inside a word), between
/// `[CLS]` and `[SEP]`, truncated to the model's length.
///
/// It exists so that apex embeds text offline with all-MiniLM-L6-v2 (issue 15): the ids must be those the model
/// was trained on, which the tests check against Hugging Face's own tokenizer.
public struct WordPieceTokenizer: Sendable {
    public let vocabulary: [String: Int32]
    public let lowercase: Bool
    public let stripAccents: Bool
    public let handleChineseCharacters: Bool
    public let continuingPrefix: String
    public let maxCharactersPerWord: Int
    public let unknown: Int32
    public let classification: Int32
    public let separator: Int32
    /// Tokens per text, `[CLS]` and `[SEP]` included.
    public var maxLength: Int

    /// Reads `tokenizer.json` (Hugging Face's format) for a BERT WordPiece model.
    public init(json data: [UInt8], maxLength: Int) throws(WordPieceTokenizerError) {
        guard let json = try? JSONParser.parse(data) else { throw .notJSON }
        guard json["model"]?["type"]?.stringValue == "WordPiece", case .object(let entries)? = json["model"]?["vocab"] else {
            throw .notWordPiece(found: json["model"]?["type"]?.stringValue ?? "none")
        }
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(entries.count)
        for (token, value) in entries {
            guard case .integer(let id) = value, let id32 = Int32(exactly: id) else { throw .badEntry(token: token) }
            vocabulary[token] = id32
        }
        self.vocabulary = vocabulary
        let normalizer = json["normalizer"]
        lowercase = normalizer?["lowercase"].flatMap { if case .bool(let value) = $0 { value } else { nil } } ?? true
        // BERT strips accents when it lower-cases, unless told otherwise.
        stripAccents = normalizer?["strip_accents"].flatMap { if case .bool(let value) = $0 { value } else { nil } } ?? lowercase
        handleChineseCharacters = normalizer?["handle_chinese_chars"].flatMap { if case .bool(let value) = $0 { value } else { nil } } ?? true
        continuingPrefix = json["model"]?["continuing_subword_prefix"]?.stringValue ?? "##"
        if case .integer(let limit)? = json["model"]?["max_input_chars_per_word"] { maxCharactersPerWord = Int(limit) } else { maxCharactersPerWord = 100 }
        func id(_ name: String) throws(WordPieceTokenizerError) -> Int32 {
            guard let id = vocabulary[name] else { throw .missingToken(name) }
            return id
        }
        unknown = try id(json["model"]?["unk_token"]?.stringValue ?? "[UNK]")
        classification = try id("[CLS]")
        separator = try id("[SEP]")
        self.maxLength = max(2, maxLength)
    }

    /// The ids of `text`: `[CLS]`, its pieces (as many as fit), `[SEP]`.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [classification]
        let room = maxLength - 2
        for word in words(normalize(text)) {
            for piece in pieces(word) {
                guard ids.count - 1 < room else { break }
                ids.append(piece)
            }
            if ids.count - 1 >= room { break }
        }
        ids.append(separator)
        return ids
    }

    /// BertNormalizer: control characters out, white space as spaces, ideographs spaced, lower case, accents off.
    func normalize(_ text: String) -> String {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) {
                cleaned.append(" ")
            } else if handleChineseCharacters && Self.isChinese(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        var result = String(cleaned)
        // Accents first, then case, as Hugging Face's BertNormalizer does.
        if stripAccents {
            result = String(String.UnicodeScalarView(result.decomposedStringWithCanonicalMapping.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }))
        }
        if lowercase { result = result.lowercased() }
        return result
    }

    /// BertPreTokenizer: words split on white space, each punctuation character a word of its own.
    func words(_ text: String) -> [Substring.UnicodeScalarView] {
        var words: [Substring.UnicodeScalarView] = []
        let scalars = Substring(text).unicodeScalars
        var start = scalars.startIndex
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if Self.isWhitespace(scalar) || Self.isPunctuation(scalar) {
                if start < index { words.append(scalars[start..<index]) }
                if Self.isPunctuation(scalar) { words.append(scalars[index...index]) }
                index = scalars.index(after: index)
                start = index
            } else {
                index = scalars.index(after: index)
            }
        }
        if start < scalars.endIndex { words.append(scalars[start...]) }
        return words
    }

    /// WordPiece: the longest vocabulary pieces from the left; a word with a part no piece covers is `[UNK]`.
    func pieces(_ word: Substring.UnicodeScalarView) -> [Int32] {
        let characters = Array(word)
        guard characters.count <= maxCharactersPerWord else { return [unknown] }
        var ids: [Int32] = []
        var start = 0
        while start < characters.count {
            var end = characters.count
            var found: Int32?
            while start < end {
                var piece = start > 0 ? continuingPrefix : ""
                piece.unicodeScalars.append(contentsOf: characters[start..<end])
                if let id = vocabulary[piece] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let found else { return [unknown] }
            ids.append(found)
            start = end
        }
        return ids
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace
    }

    /// Unicode's "other" categories (control, format, surrogate, private use, unassigned), tab and line ends aside.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value) { return true }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    static func isChinese(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF,
            0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }
}

/// Why a `tokenizer.json` cannot be used. Each reads as one sentence.
public enum WordPieceTokenizerError: Error, Equatable, CustomStringConvertible {
    case notJSON
    case notWordPiece(found: String)
    case badEntry(token: String)
    case missingToken(String)

    public var description: String {
        switch self {
        case .notJSON: "tokenizer.json is not JSON"
        case .notWordPiece(let found): "tokenizer.json describes a \(found) model, not the WordPiece model of a BERT encoder"
        case .badEntry(let token): "tokenizer.json gives the vocabulary entry \(token) no whole-number id"
        case .missingToken(let token): "tokenizer.json has no \(token) token"
        }
    }
}
