public import ApexCore
public import ApexEngine
public import ApexPorts
import Foundation

/// The ontology and helpers the spec tests share: every property type and every cardinality.
public enum SpecFixtures {
    public static let ontology = """
        name: spec
        version: 1
        entity_types:
          Tractor:
            description: Power unit (truck) in the fleet
            key: unit_number
            properties:
              unit_number: {type: string, required: true}
              status: {type: string, enum: [active, in_repair, retired]}
              current_miles: {type: integer}
              location: {type: string}
              purchase_price: {type: number}
              in_service: {type: boolean}
              purchase_date: {type: date}
              last_seen: {type: datetime}
              specs: {type: json}
          Driver:
            key: driver_id
            properties:
              driver_id: {type: string, required: true}
              name: {type: string}
          Load:
            key: load_number
            properties:
              load_number: {type: string, required: true}
              status: {type: string}
          Company:
            key: company_id
            properties:
              company_id: {type: string, required: true}
        relation_types:
          ASSIGNED_TO: {from: Driver, to: Tractor, cardinality: one_to_one}
          DISPATCHED_TO: {from: Load, to: Driver, cardinality: many_to_one}
          OWNS: {from: Company, to: Tractor, cardinality: one_to_many}
          KNOWS: {from: Driver, to: Driver}
        """

    /// A fixed "now" for tests: 2026-01-01T00:00:00Z.
    public static let now = time("2026-01-01T00:00:00Z")

    /// Parses an RFC 3339 literal of a test; an invalid literal is a bug in the test and stops it.
    public static func time(_ text: String) -> Timestamp {
        guard let time = Timestamp.parseQueryTime(text) else { preconditionFailure("bad time literal \(text) in a test") }
        return time
    }

    /// Writes `lines` to a new temporary file and returns its path.
    public static func writeTemporaryFile(_ lines: [String], name: String = "records.jsonl") throws -> String {
        let directory = try temporaryDirectory()
        let path = (directory as NSString).appendingPathComponent(name)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A new, empty temporary directory, removed with the rest of the process's scratch files when it exits.
    public static func temporaryDirectory() throws -> String {
        let path = (TestScratch.root as NSString).appendingPathComponent("apex-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `{"kind":"state",...}` for a Tractor (or another type).
    public static func state(
        _ key: String, _ validAt: String, set: String = "{}", unset: [String] = [], recordedAt: String? = nil, type: String = "Tractor"
    ) -> String {
        var line = "{\"kind\":\"state\",\"entity\":{\"type\":\"\(type)\",\"key\":\"\(key)\"},\"valid_at\":\"\(validAt)\",\"set\":\(set)"
        if !unset.isEmpty { line += ",\"unset\":[" + unset.map { "\"\($0)\"" }.joined(separator: ",") + "]" }
        if let recordedAt { line += ",\"recorded_at\":\"\(recordedAt)\"" }
        return line + "}"
    }

    /// `{"kind":"fact",...}`.
    public static func fact(
        _ type: String, from: (String, String), to: (String, String), validAt: String, invalidAt: String? = nil, recordedAt: String? = nil,
        fact: String? = nil
    ) -> String {
        var line = "{\"kind\":\"fact\",\"type\":\"\(type)\",\"from\":{\"type\":\"\(from.0)\",\"key\":\"\(from.1)\"},"
        line += "\"to\":{\"type\":\"\(to.0)\",\"key\":\"\(to.1)\"},\"valid_at\":\"\(validAt)\""
        if let invalidAt { line += ",\"invalid_at\":\"\(invalidAt)\"" }
        if let fact { line += ",\"fact\":\"\(fact)\"" }
        if let recordedAt { line += ",\"recorded_at\":\"\(recordedAt)\"" }
        return line + "}"
    }

    /// `{"kind":"end",...}`.
    public static func end(_ type: String, from: (String, String), to: (String, String), invalidAt: String, recordedAt: String? = nil) -> String {
        var line = "{\"kind\":\"end\",\"type\":\"\(type)\",\"from\":{\"type\":\"\(from.0)\",\"key\":\"\(from.1)\"},"
        line += "\"to\":{\"type\":\"\(to.0)\",\"key\":\"\(to.1)\"},\"invalid_at\":\"\(invalidAt)\""
        if let recordedAt { line += ",\"recorded_at\":\"\(recordedAt)\"" }
        return line + "}"
    }
}

extension MemoryService {
    /// Ingests `lines` as a record file, with the spec ontology.
    @discardableResult
    public func ingest(lines: [String], ontology: String? = SpecFixtures.ontology) async throws -> IngestSummary {
        try await ingest(file: try SpecFixtures.writeTemporaryFile(lines), ontologySource: ontology)
    }

    /// The entities (type/key) a state answer relates to, with the relation type, e.g. `ASSIGNED_TO<-Driver/D-17`.
    public func relationNames(of ref: EntityRef, at: String, knownAt: String? = nil) async throws -> [String] {
        let answer = try await state(of: ref, at: SpecFixtures.time(at), knownAt: knownAt.map(SpecFixtures.time))
        return answer.relations.map { relation in
            let outgoing = relation.from.id == answer.entity.id
            return relation.relation + (outgoing ? "->" : "<-") + (outgoing ? relation.to.ref : relation.from.ref).description
        }.sorted()
    }

    /// One property's JSON value in a state answer, or nil when unset.
    public func value(of ref: EntityRef, _ property: String, at: String, knownAt: String? = nil) async throws -> JSONValue? {
        let answer = try await state(of: ref, at: SpecFixtures.time(at), knownAt: knownAt.map(SpecFixtures.time))
        return answer.properties.first(where: { $0.0 == property }).flatMap { try? JSONParser.parse($0.1) }
    }
}
