import ApexCore
import ApexEngine
import Foundation
import Testing

/// The spec, rule by rule, as tests every adapter must pass (spec sections 2, 3 and 5).
public enum ConformanceSuite {
    typealias F = SpecFixtures

    static let tractor = EntityRef(type: "Tractor", key: "6520")
    static let otherTractor = EntityRef(type: "Tractor", key: "6521")

    public static let cases: [ConformanceCase] =
        propertyCases + relationCases + supersessionCases + errorCases + ingestCases + traversalCases
}

extension ConformanceSuite {
    static let propertyCases: [ConformanceCase] = [
        ConformanceCase("a property's value is the one with the greatest valid_at at or before at") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#, recordedAt: "2025-01-10T00:00:00Z"),
                F.state("6520", "2025-03-01T08:00:00Z", set: #"{"status":"in_repair"}"#, recordedAt: "2025-03-01T09:00:00Z"),
            ])
            #expect(try await memory.value(of: tractor, "status", at: "2025-02-01T00:00:00Z") == "active")
            #expect(try await memory.value(of: tractor, "status", at: "2025-03-01T08:00:00Z") == "in_repair")
            #expect(try await memory.value(of: tractor, "status", at: "2025-03-01T07:59:59Z") == "active")
        },
        ConformanceCase("a correction is visible only from its recorded_at on") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.state("6520", "2025-03-01T08:00:00Z", set: #"{"current_miles":441200}"#, recordedAt: "2025-03-01T09:00:00Z"),
                F.state("6520", "2025-03-01T08:00:00Z", set: #"{"current_miles":440120}"#, recordedAt: "2025-03-05T14:00:00Z"),
            ])
            let at = "2025-03-02T00:00:00Z"
            #expect(try await memory.value(of: tractor, "current_miles", at: at, knownAt: "2025-03-05T13:59:59Z") == 441_200)
            #expect(try await memory.value(of: tractor, "current_miles", at: at, knownAt: "2025-03-05T14:00:00Z") == 440_120)
            #expect(try await memory.value(of: tractor, "current_miles", at: at) == 440_120)
            // Before the first record was known, the entity was unknown.
            await #expect(throws: QueryError.self) {
                try await memory.state(of: tractor, at: F.time(at), knownAt: F.time("2025-03-01T08:30:00Z"))
            }
        },
        ConformanceCase("unset removes a value from its valid_at on, and a later set restores one") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.state("6520", "2025-01-01T00:00:00Z", set: #"{"location":"Dallas, TX","status":"active"}"#, recordedAt: "2025-01-01T00:00:00Z"),
                F.state("6520", "2025-02-01T00:00:00Z", unset: ["location"], recordedAt: "2025-02-01T00:00:00Z"),
                F.state("6520", "2025-03-01T00:00:00Z", set: #"{"location":"Tulsa, OK"}"#, recordedAt: "2025-03-01T00:00:00Z"),
            ])
            #expect(try await memory.value(of: tractor, "location", at: "2025-01-15T00:00:00Z") == "Dallas, TX")
            #expect(try await memory.value(of: tractor, "location", at: "2025-02-15T00:00:00Z") == nil)
            #expect(try await memory.value(of: tractor, "status", at: "2025-02-15T00:00:00Z") == "active")
            #expect(try await memory.value(of: tractor, "location", at: "2025-03-15T00:00:00Z") == "Tulsa, OK")
            let timeline = try await memory.timeline(of: tractor, property: "location")
            #expect(timeline.events.map(\.value) == [#""Dallas, TX""#, nil, #""Tulsa, OK""#])
        },
        ConformanceCase("values come back in their JSON form, datetimes in UTC") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.state(
                    "6520", "2025-01-01T00:00:00+02:00",
                    set: #"{"current_miles":412000,"purchase_price":142500.5,"in_service":true,"purchase_date":"2021-03-14","last_seen":"2025-01-01T08:00:00-05:00","specs":{"make":"Freightliner","axles":[1,2]}}"#,
                    recordedAt: "2025-01-01T00:00:00Z")
            ])
            let answer = try await memory.state(of: tractor, at: F.time("2025-06-01T00:00:00Z"))
            let properties = answer.json["properties"]
            #expect(properties?["current_miles"] == .integer(412_000))
            #expect(properties?["purchase_price"] == .number(142_500.5))
            #expect(properties?["in_service"] == .bool(true))
            #expect(properties?["purchase_date"] == "2021-03-14")
            #expect(properties?["last_seen"] == "2025-01-01T13:00:00Z")
            #expect(properties?["specs"] == ["make": "Freightliner", "axles": [1, 2]])
            #expect(answer.json["at"] == "2025-06-01T00:00:00Z")
        },
        ConformanceCase("a timeline has one event per valid_at, the latest recorded winning, with valid_to") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#, recordedAt: "2025-01-10T00:00:00Z"),
                F.state("6520", "2025-03-01T08:00:00Z", set: #"{"status":"retired"}"#, recordedAt: "2025-03-01T09:00:00Z"),
                F.state("6520", "2025-03-01T08:00:00Z", set: #"{"status":"in_repair"}"#, recordedAt: "2025-03-02T09:00:00Z"),
                F.state("6520", "2025-04-01T00:00:00Z", set: #"{"status":"active"}"#, recordedAt: "2025-04-01T00:00:00Z"),
            ])
            let timeline = try await memory.timeline(of: tractor, property: "status")
            #expect(timeline.events.map(\.value) == [#""active""#, #""in_repair""#, #""active""#])
            #expect(timeline.events.map(\.validTo) == [F.time("2025-03-01T08:00:00Z"), F.time("2025-04-01T00:00:00Z"), nil])
            #expect(timeline.events[1].recordedAt == F.time("2025-03-02T09:00:00Z"))
            let earlier = try await memory.timeline(of: tractor, property: "status", knownAt: F.time("2025-03-01T12:00:00Z"))
            #expect(earlier.events.map(\.value) == [#""active""#, #""retired""#])
            let filtered = try await memory.timeline(
                of: tractor, property: "status", from: F.time("2025-03-15T00:00:00Z"), to: F.time("2025-04-01T00:00:00Z"))
            #expect(filtered.events.map(\.value) == [#""in_repair""#])
            let touching = try await memory.timeline(of: tractor, property: "status", from: F.time("2025-04-01T00:00:00Z"))
            #expect(touching.events.map(\.value) == [#""active""#])
        },
    ]
}
