import ApexCore
import Testing

@Suite struct RecordDecoderTests {
    static let decoder: RecordDecoder = {
        let ontology = (try? OntologyLoader.load(OntologyLoaderTests.valid)) ?? Ontology(name: "", version: 0, entityTypes: [], relationTypes: [])
        return RecordDecoder(ontology: ontology)
    }()

    func decode(_ line: String) throws(RecordError) -> Record {
        var copy = line
        let result = copy.withUTF8 { bytes in Result { () throws(RecordError) in try Self.decoder.decode(line: bytes, number: 7) } }
        return try result.get()
    }

    @Test func decodesTheSpecExamples() throws {
        let state = try decode(
            #"{"kind":"state","entity":{"type":"Tractor","key":"6520"},"valid_at":"2025-03-01T08:00:00Z","set":{"status":"in_repair","current_miles":412000},"unset":[],"recorded_at":"2025-03-01T09:00:00Z","source":"samsara"}"#
        )
        guard case .state(let record) = state else { Issue.record("not a state record"); return }
        #expect(record.entity == EntityRef(type: "Tractor", key: "6520"))
        #expect(record.changes == [PropertyChange(property: "status", value: #""in_repair""#), PropertyChange(property: "current_miles", value: "412000")])
        #expect(record.source == "samsara")
        let fact = try decode(
            #"{"kind":"fact","type":"ASSIGNED_TO","from":{"type":"Driver","key":"D-17"},"to":{"type":"Tractor","key":"6520"},"valid_at":"2025-02-01T00:00:00Z","invalid_at":null,"fact":"Robert drives unit 6520","recorded_at":"2025-02-01T00:05:00Z"}"#
        )
        guard case .fact(let factRecord) = fact else { Issue.record("not a fact record"); return }
        #expect(factRecord.invalidAt == nil && factRecord.fact == "Robert drives unit 6520")
        let end = try decode(
            #"{"kind":"end","type":"ASSIGNED_TO","from":{"type":"Driver","key":"D-17"},"to":{"type":"Tractor","key":"6520"},"invalid_at":"2025-05-01T00:00:00Z","recorded_at":"2025-05-01T00:01:00Z"}"#
        )
        guard case .end(let endRecord) = end else { Issue.record("not an end record"); return }
        #expect(endRecord.recordedAt == Timestamp.parse("2025-05-01T00:01:00Z"))
    }

    static let tractor = #""entity":{"type":"Tractor","key":"6520"},"valid_at":"2025-03-01T08:00:00Z""#
    static let ends = #""from":{"type":"Driver","key":"D-17"},"to":{"type":"Tractor","key":"6520"}"#

    @Test(arguments: [
        (#"{"kind":"state","#, "bad_json"),
        (#"[1,2]"#, "bad_record"),
        (#"{"kind":"snapshot"}"#, "unknown_kind"),
        (#"{"entity":{"type":"Tractor","key":"6520"}}"#, "missing_field"),
        (#"{"kind":"state","entity":{"type":"Truck","key":"6520"},"valid_at":"2025-03-01T08:00:00Z","set":{"status":"active"}}"#, "unknown_entity_type"),
        (#"{"kind":"fact","type":"DRIVES",\#(ends),"valid_at":"2025-03-01T08:00:00Z"}"#, "unknown_relation_type"),
        (#"{"kind":"state",\#(tractor),"set":{"colour":"red"}}"#, "unknown_property"),
        (#"{"kind":"state",\#(tractor),"unset":["colour"]}"#, "unknown_property"),
        (#"{"kind":"state",\#(tractor),"set":{"current_miles":"many"}}"#, "wrong_value_type"),
        (#"{"kind":"state",\#(tractor),"set":{"current_miles":1.5}}"#, "wrong_value_type"),
        (#"{"kind":"state",\#(tractor),"set":{"status":null}}"#, "wrong_value_type"),
        (#"{"kind":"state",\#(tractor),"set":{"status":"flying"}}"#, "not_in_enum"),
        (#"{"kind":"state","entity":{"type":"Tractor","key":"6520"},"valid_at":"March 1st","set":{"status":"active"}}"#, "bad_timestamp"),
        (#"{"kind":"state",\#(tractor),"set":{"status":"active"},"recorded_at":"2025-03-01"}"#, "bad_timestamp"),
        (#"{"kind":"fact","type":"ASSIGNED_TO","from":{"type":"Tractor","key":"6520"},"to":{"type":"Tractor","key":"6521"},"valid_at":"2025-03-01T08:00:00Z"}"#, "wrong_end_type"),
        (#"{"kind":"fact","type":"ASSIGNED_TO",\#(ends),"valid_at":"2025-03-01T08:00:00Z","invalid_at":"2025-03-01T08:00:00Z"}"#, "bad_interval"),
        (#"{"kind":"fact","type":"ASSIGNED_TO",\#(ends),"valid_at":"2025-03-01T08:00:00Z","invalid_at":"2025-02-01T08:00:00Z"}"#, "bad_interval"),
        (#"{"kind":"state",\#(tractor),"unset":["unit_number"]}"#, "unset_required"),
        (#"{"kind":"state",\#(tractor),"set":{"unit_number":"6521"}}"#, "key_mismatch"),
        (#"{"kind":"state",\#(tractor),"set":{}}"#, "empty_state"),
        (#"{"kind":"state",\#(tractor),"set":{"status":"active"},"valid_from":"2025-03-01T08:00:00Z"}"#, "unknown_field"),
        (#"{"kind":"end","type":"ASSIGNED_TO",\#(ends)}"#, "missing_field"),
        (#"{"kind":"state",\#(tractor),"set":{"location":"Dallas\u0000"}}"#, "bad_text"),
        (#"{"kind":"state","entity":{"type":"Tractor","key":"65\u000020"},"valid_at":"2025-03-01T08:00:00Z","set":{"status":"active"}}"#, "bad_text"),
        (#"{"kind":"state",\#(tractor),"set":{"status":"active"},"source":"\u0000"}"#, "bad_text"),
    ])
    func rejectsEveryKindOfBadLine(_ line: String, _ code: String) {
        do {
            _ = try decode(line)
            Issue.record("accepted a bad line: \(line)")
        } catch {
            #expect(error.code == code, "\(error.description)")
            #expect(error.line == 7)
            #expect(error.description.hasPrefix("line 7: "))
        }
    }

    @Test func canonicalisesValues() throws {
        guard case .state(let record) = try decode(#"{"kind":"state",\#(Self.tractor),"set":{"current_miles":412000.0,"unit_number":"6520"}}"#) else {
            Issue.record("not a state record")
            return
        }
        #expect(record.changes.map(\.value) == ["412000", #""6520""#])
    }
}
