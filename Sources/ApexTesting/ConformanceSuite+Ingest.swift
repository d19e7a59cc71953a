public import ApexCore
import ApexEngine
import ApexPorts
import Testing

extension ConformanceSuite {
    /// A small history touching every rule, used to compare arrival orders.
    public static let mixedHistory: [String] = [
        F.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active","current_miles":400000}"#, recordedAt: "2025-01-10T00:00:00Z"),
        F.state("6520", "2025-03-01T08:00:00Z", set: #"{"status":"in_repair","current_miles":441200}"#, unset: ["location"], recordedAt: "2025-03-01T09:00:00Z"),
        F.state("6520", "2025-03-01T08:00:00Z", set: #"{"current_miles":440120}"#, recordedAt: "2025-03-05T14:00:00Z"),
        F.state("6520", "2025-02-01T00:00:00Z", set: #"{"location":"Dallas, TX"}"#, recordedAt: "2025-02-03T00:00:00Z"),
        F.fact("ASSIGNED_TO", from: ("Driver", "D-17"), to: ("Tractor", "6520"), validAt: "2025-02-01T00:00:00Z", recordedAt: "2025-02-01T00:05:00Z"),
        F.fact("ASSIGNED_TO", from: ("Driver", "D-22"), to: ("Tractor", "6520"), validAt: "2025-04-01T00:00:00Z", recordedAt: "2025-04-03T00:00:00Z"),
        F.end("ASSIGNED_TO", from: ("Driver", "D-17"), to: ("Tractor", "6520"), invalidAt: "2025-03-15T00:00:00Z", recordedAt: "2025-03-16T00:00:00Z"),
        F.fact("OWNS", from: ("Company", "CO-1"), to: ("Tractor", "6520"), validAt: "2025-01-10T00:00:00Z", recordedAt: "2025-01-10T00:00:00Z"),
    ]

    static let probes: [(String, String?)] = [
        ("2025-01-15T00:00:00Z", nil), ("2025-02-15T00:00:00Z", nil), ("2025-03-02T00:00:00Z", "2025-03-02T00:00:00Z"),
        ("2025-03-02T00:00:00Z", nil), ("2025-03-20T00:00:00Z", "2025-03-17T00:00:00Z"), ("2025-04-02T00:00:00Z", "2025-04-02T00:00:00Z"),
        ("2025-04-02T00:00:00Z", nil),
    ]

    static func answers(_ memory: MemoryService) async throws -> [JSONValue] {
        var answers: [JSONValue] = []
        for (at, knownAt) in probes {
            answers.append(try await memory.state(of: tractor, at: F.time(at), knownAt: knownAt.map(F.time)).json)
        }
        for property in ["status", "current_miles", "location"] {
            answers.append(try await memory.timeline(of: tractor, property: property).json)
        }
        return answers.map(withoutIDs)
    }

    /// Answers from two memories differ in entity ids only; drop them to compare.
    public static func withoutIDs(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members): .object(members.filter { $0.0 != "id" }.map { ($0.0, withoutIDs($0.1)) })
        case .array(let elements): .array(elements.map(withoutIDs))
        default: value
        }
    }

    static let ingestCases: [ConformanceCase] = [
        ConformanceCase("arrival order never changes an answer") { make in
            let sorted = try await make()
            try await sorted.ingest(lines: mixedHistory)
            let reversed = try await make()
            try await reversed.ingest(lines: mixedHistory.reversed())
            let oneByOne = try await make()
            try await oneByOne.ingest(lines: [mixedHistory[0]])
            for line in mixedHistory.dropFirst().reversed() { try await oneByOne.ingest(lines: [line]) }
            let expected = try await answers(sorted)
            #expect(try await answers(reversed) == expected)
            #expect(try await answers(oneByOne) == expected)
        },
        ConformanceCase("re-ingesting a file changes nothing") { make in
            let memory = try await make()
            try await memory.ingest(lines: mixedHistory)
            let first = try await answers(memory)
            try await memory.ingest(lines: mixedHistory)
            #expect(try await answers(memory) == first)
            // Without recorded_at, a repeat adds no new version either.
            let implicit = [F.state("6521", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#)]
            try await memory.ingest(lines: implicit)
            let timeline = try await memory.timeline(of: otherTractor, property: "status")
            try await memory.ingest(lines: implicit)
            #expect(try await memory.timeline(of: otherTractor, property: "status") == timeline)
        },
        ConformanceCase("two versions with the same times resolve the same whatever the order") { make in
            let a = F.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#, recordedAt: "2025-01-10T00:00:00Z")
            let b = F.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"retired"}"#, recordedAt: "2025-01-10T00:00:00Z")
            let forward = try await make()
            try await forward.ingest(lines: [a, b])
            let backward = try await make()
            try await backward.ingest(lines: [b])
            try await backward.ingest(lines: [a])
            let at = "2025-02-01T00:00:00Z"
            #expect(try await forward.value(of: tractor, "status", at: at) == backward.value(of: tractor, "status", at: at))
        },
        ConformanceCase("a file with a bad line stores nothing and names the line") { make in
            let memory = try await make()
            try await memory.ingest(lines: [F.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#, recordedAt: "2025-01-10T00:00:00Z")])
            let lines = [
                F.state("6520", "2025-02-01T00:00:00Z", set: #"{"status":"retired"}"#, recordedAt: "2025-02-01T00:00:00Z"),
                F.state("7000", "2025-02-01T00:00:00Z", set: #"{"status":"active"}"#, recordedAt: "2025-02-01T00:00:00Z"),
                "",
                F.state("6520", "2025-02-01T00:00:00Z", set: #"{"status":"flying"}"#, recordedAt: "2025-02-01T00:00:00Z"),
            ]
            do {
                try await memory.ingest(lines: lines)
                Issue.record("a file with a bad line was accepted")
            } catch IngestError.badRecord(let error) {
                #expect(error.line == 4)
                #expect(error.code == "not_in_enum")
                #expect(error.message.contains("flying"))
            }
            #expect(try await memory.value(of: tractor, "status", at: "2025-03-01T00:00:00Z") == "active")
            await #expect(throws: QueryError.self) { try await memory.state(of: EntityRef(type: "Tractor", key: "7000")) }
        },
        ConformanceCase("the first ingest needs an ontology, and a later one must fit the stored data") { make in
            let memory = try await make()
            await #expect(throws: IngestError.self) {
                try await memory.ingest(lines: [F.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#)], ontology: nil)
            }
            try await memory.ingest(lines: [F.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#)])
            try await memory.ingest(lines: [F.state("6520", "2025-01-11T00:00:00Z", set: #"{"current_miles":5}"#)], ontology: nil)
            let narrowed = F.ontology.replacingOccurrences(of: "enum: [active, in_repair, retired]", with: "enum: [in_repair, retired]")
            await #expect(throws: IngestError.self) {
                try await memory.ingest(lines: [F.state("6520", "2025-01-12T00:00:00Z", set: #"{"status":"retired"}"#)], ontology: narrowed)
            }
            let widened = F.ontology.replacingOccurrences(of: "enum: [active, in_repair, retired]", with: "enum: [active, in_repair, retired, sold]")
            try await memory.ingest(lines: [F.state("6520", "2025-01-12T00:00:00Z", set: #"{"status":"sold"}"#)], ontology: widened)
            #expect(try await memory.value(of: tractor, "status", at: "2025-02-01T00:00:00Z") == "sold")
        },
        ConformanceCase("text holding U+0000 is refused at ingest, and a query naming it finds no entity") { make in
            let memory = try await make()
            try await memory.ingest(lines: [F.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#)])
            // Each line carries the JSON escape \u0000: in a key, in a value, in a fact's text.
            for line in [
                F.state(#"65\u000020"#, "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#),
                F.state("6520", "2025-01-11T00:00:00Z", set: #"{"location":"Dal\u0000las"}"#),
                F.fact("ASSIGNED_TO", from: ("Driver", "D-1"), to: ("Tractor", "6520"), validAt: "2025-01-12T00:00:00Z", fact: #"x\u0000"#),
            ] {
                do {
                    try await memory.ingest(lines: [line])
                    Issue.record("a record holding NUL was accepted: \(line)")
                } catch IngestError.badRecord(let error) {
                    #expect(error.code == "bad_text")
                    #expect(error.line == 1)
                }
            }
            #expect(try await memory.value(of: tractor, "location", at: "2025-02-01T00:00:00Z") == nil)
            await #expect(throws: QueryError.self) { try await memory.state(of: EntityRef(type: "Tractor", key: "65\u{0}20")) }
            await #expect(throws: QueryError.self) { try await memory.timeline(of: EntityRef(type: "Tractor", key: "\u{0}"), property: "status") }
        },
    ]
}
