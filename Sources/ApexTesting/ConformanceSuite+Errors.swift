import ApexCore
import ApexEngine
import Testing

extension ConformanceSuite {
    static let errorCases: [ConformanceCase] = [
        ConformanceCase("an entity no visible record names is an unknown entity") { make in
            let memory = try await make()
            try await memory.ingest(lines: [F.state("6520", "2025-01-01T00:00:00Z", set: #"{"status":"active"}"#, recordedAt: "2025-01-05T00:00:00Z")])
            let missing = EntityRef(type: "Tractor", key: "9999")
            await #expect(throws: QueryError.unknownEntity(missing, knownAt: F.now)) {
                try await memory.state(of: missing, at: F.now)
            }
            let knownAt = F.time("2025-01-04T00:00:00Z")
            await #expect(throws: QueryError.unknownEntity(tractor, knownAt: knownAt)) {
                try await memory.state(of: tractor, at: F.time("2025-02-01T00:00:00Z"), knownAt: knownAt)
            }
            await #expect(throws: QueryError.unknownEntity(missing, knownAt: F.now)) {
                try await memory.timeline(of: missing, property: "status")
            }
        },
        ConformanceCase("asking before an entity existed is an error, not an empty answer") { make in
            let memory = try await make()
            try await memory.ingest(lines: [F.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#, recordedAt: "2025-01-10T00:00:00Z")])
            let at = F.time("2025-01-09T23:59:59Z")
            await #expect(throws: QueryError.notYetExisting(tractor, at: at, firstValidAt: F.time("2025-01-10T00:00:00Z"))) {
                try await memory.state(of: tractor, at: at)
            }
        },
        ConformanceCase("unknown entity types and properties in queries are errors") { make in
            let memory = try await make()
            try await memory.ingest(lines: [F.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#)])
            await #expect(throws: QueryError.unknownEntityType("Spaceship")) {
                try await memory.state(of: EntityRef(type: "Spaceship", key: "1"))
            }
            await #expect(throws: QueryError.unknownProperty(type: "Tractor", property: "colour")) {
                try await memory.timeline(of: tractor, property: "colour")
            }
        },
    ]
}
