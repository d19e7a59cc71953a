import ApexCore
import PropertyBased
import Testing

/// No input crashes the parsers: random bytes, and valid record lines with random damage.
@Suite struct RobustnessPropertyTests {
    static let validLine = Array(
        #"{"kind":"fact","type":"ASSIGNED_TO","from":{"type":"Driver","key":"D-17"},"to":{"type":"Tractor","key":"6520"},"valid_at":"2025-02-01T00:00:00Z","invalid_at":null,"fact":"Robert drives unit 6520","recorded_at":"2025-02-01T00:05:00Z"}"#
            .utf8)

    @Test func randomBytesNeverCrashTheJSONParser() async {
        await propertyCheck(count: 500, input: Gen.uint8(in: 0...255).array(of: 0...64)) { bytes in
            _ = try? JSONParser.parse(bytes)
        }
    }

    @Test func damagedRecordLinesAreRefusedOrDecodedNeverCrash() async throws {
        let ontology = try OntologyLoader.load(OntologyLoaderTests.valid)
        let decoder = RecordDecoder(ontology: ontology)
        await propertyCheck(count: 500, input: Gen.int(in: 0...(Self.validLine.count - 1)).array(of: 1...4), Gen.uint8(in: 0...255)) { positions, byte in
            var line = Self.validLine
            for position in positions { line[position] = byte }
            let outcome = line.withUnsafeBufferPointer { buffer in Result { () throws(RecordError) in try decoder.decode(line: buffer, number: 1) } }
            if case .failure(let error) = outcome {
                #expect(error.line == 1)
                #expect(!error.message.isEmpty)
            }
        }
    }

    @Test func randomTextNeverCrashesTheOntologyLoaderOrTheTimeParser() async {
        await propertyCheck(count: 300, input: Gen.uint8(in: 0...127).array(of: 0...40)) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? OntologyLoader.load(text)
            _ = Timestamp.parse(text)
            _ = Timestamp.parseQueryTime(text)
            _ = EntityRef(path: text)
            _ = EntityID(text)
        }
    }
}
