import ApexCore
import ApexEngine
import Testing

extension ConformanceSuite {
    static let relationCases: [ConformanceCase] = [
        ConformanceCase("a fact is valid in [valid_at, invalid_at) and listed from both ends") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.fact("ASSIGNED_TO", from: ("Driver", "D-17"), to: ("Tractor", "6520"), validAt: "2025-02-01T00:00:00Z",
                       invalidAt: "2025-05-01T00:00:00Z", recordedAt: "2025-02-01T00:05:00Z")
            ])
            #expect(try await memory.relationNames(of: tractor, at: "2025-03-01T00:00:00Z") == ["ASSIGNED_TO<-Driver/D-17"])
            #expect(try await memory.relationNames(of: EntityRef(type: "Driver", key: "D-17"), at: "2025-03-01T00:00:00Z") == ["ASSIGNED_TO->Tractor/6520"])
            #expect(try await memory.relationNames(of: tractor, at: "2025-05-01T00:00:00Z").isEmpty)
            let answer = try await memory.state(of: tractor, at: F.time("2025-03-01T00:00:00Z"))
            #expect(answer.json["relations"] == [[
                "type": "ASSIGNED_TO", "direction": "incoming", "entity": ["type": "Driver", "key": "D-17"],
                "valid_at": "2025-02-01T00:00:00Z", "invalid_at": "2025-05-01T00:00:00Z",
            ]])
        },
        ConformanceCase("an end record closes the latest instance that began before its invalid_at") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.fact("KNOWS", from: ("Driver", "D-1"), to: ("Driver", "D-2"), validAt: "2025-01-01T00:00:00Z", recordedAt: "2025-01-01T00:00:00Z"),
                F.fact("KNOWS", from: ("Driver", "D-1"), to: ("Driver", "D-2"), validAt: "2025-03-01T00:00:00Z", recordedAt: "2025-03-01T00:00:00Z"),
                F.end("KNOWS", from: ("Driver", "D-1"), to: ("Driver", "D-2"), invalidAt: "2025-02-01T00:00:00Z", recordedAt: "2025-02-01T00:00:00Z"),
            ])
            let driver = EntityRef(type: "Driver", key: "D-1")
            #expect(try await memory.relationNames(of: driver, at: "2025-01-15T00:00:00Z") == ["KNOWS->Driver/D-2"])
            #expect(try await memory.relationNames(of: driver, at: "2025-02-15T00:00:00Z").isEmpty)
            #expect(try await memory.relationNames(of: driver, at: "2025-03-15T00:00:00Z") == ["KNOWS->Driver/D-2"])
            // Before the end record was known, the first instance was open.
            #expect(try await memory.relationNames(of: driver, at: "2025-02-15T00:00:00Z", knownAt: "2025-01-31T00:00:00Z") == ["KNOWS->Driver/D-2"])
            let answer = try await memory.state(of: driver, at: F.time("2025-01-15T00:00:00Z"))
            #expect(answer.relations.first?.explicitEnd == F.time("2025-02-01T00:00:00Z"))
        },
        ConformanceCase("an end that arrives before its fact is kept and takes effect once the fact is there") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.state("D-1", "2025-01-01T00:00:00Z", set: #"{"name":"Robert"}"#, recordedAt: "2025-01-01T00:00:00Z", type: "Driver"),
                F.end("ASSIGNED_TO", from: ("Driver", "D-1"), to: ("Tractor", "6520"), invalidAt: "2025-04-01T00:00:00Z", recordedAt: "2025-04-01T00:00:00Z"),
            ])
            #expect(try await memory.relationNames(of: EntityRef(type: "Driver", key: "D-1"), at: "2025-03-01T00:00:00Z").isEmpty)
            try await memory.ingest(lines: [
                F.fact("ASSIGNED_TO", from: ("Driver", "D-1"), to: ("Tractor", "6520"), validAt: "2025-02-01T00:00:00Z", recordedAt: "2025-04-02T00:00:00Z")
            ])
            #expect(try await memory.relationNames(of: tractor, at: "2025-03-01T00:00:00Z") == ["ASSIGNED_TO<-Driver/D-1"])
            #expect(try await memory.relationNames(of: tractor, at: "2025-04-01T00:00:00Z").isEmpty)
        },
        ConformanceCase("a fact with the same type, ends and valid_at is one instance; the later recorded one's invalid_at wins") { make in
            let memory = try await make()
            let assignment = { (invalidAt: String?, recordedAt: String) in
                F.fact("KNOWS", from: ("Driver", "D-1"), to: ("Driver", "D-2"), validAt: "2025-01-01T00:00:00Z", invalidAt: invalidAt, recordedAt: recordedAt)
            }
            try await memory.ingest(lines: [
                assignment(nil, "2025-01-01T00:00:00Z"),
                assignment(nil, "2025-01-01T00:00:00Z"),
                assignment("2025-06-01T00:00:00Z", "2025-02-01T00:00:00Z"),
            ])
            try await memory.ingest(lines: [assignment(nil, "2025-01-01T00:00:00Z")])
            let driver = EntityRef(type: "Driver", key: "D-1")
            let answer = try await memory.state(of: driver, at: F.time("2025-03-01T00:00:00Z"))
            #expect(answer.relations.count == 1)
            #expect(answer.relations.first?.explicitEnd == F.time("2025-06-01T00:00:00Z"))
            let before = try await memory.state(of: driver, at: F.time("2025-03-01T00:00:00Z"), knownAt: F.time("2025-01-15T00:00:00Z"))
            #expect(before.relations.count == 1)
            #expect(before.relations.first?.explicitEnd == nil)
            let history = try await memory.history(of: driver)
            #expect(history.relations.count == 1)
        },
        ConformanceCase("an entity named only as an end of a fact exists from the fact's valid_at") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.fact("OWNS", from: ("Company", "CO-1"), to: ("Tractor", "6520"), validAt: "2025-01-10T00:00:00Z", recordedAt: "2025-01-10T00:00:00Z")
            ])
            let answer = try await memory.state(of: EntityRef(type: "Company", key: "CO-1"), at: F.time("2025-02-01T00:00:00Z"))
            #expect(answer.properties.isEmpty)
            #expect(answer.relations.count == 1)
            await #expect(throws: QueryError.self) {
                try await memory.state(of: EntityRef(type: "Company", key: "CO-1"), at: F.time("2025-01-09T00:00:00Z"))
            }
        },
    ]

    static let supersessionCases: [ConformanceCase] = [
        ConformanceCase("many_to_one: a newer fact from the same source supersedes the older") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.fact("DISPATCHED_TO", from: ("Load", "L-1"), to: ("Driver", "D-1"), validAt: "2025-01-01T00:00:00Z", recordedAt: "2025-01-01T00:00:00Z"),
                F.fact("DISPATCHED_TO", from: ("Load", "L-1"), to: ("Driver", "D-2"), validAt: "2025-02-01T00:00:00Z", recordedAt: "2025-02-01T00:00:00Z"),
                F.fact("DISPATCHED_TO", from: ("Load", "L-2"), to: ("Driver", "D-1"), validAt: "2025-02-15T00:00:00Z", recordedAt: "2025-02-15T00:00:00Z"),
            ])
            let load = EntityRef(type: "Load", key: "L-1")
            #expect(try await memory.relationNames(of: load, at: "2025-01-15T00:00:00Z") == ["DISPATCHED_TO->Driver/D-1"])
            #expect(try await memory.relationNames(of: load, at: "2025-02-01T00:00:00Z") == ["DISPATCHED_TO->Driver/D-2"])
            // Many loads may go to one driver: the target side does not supersede.
            #expect(try await memory.relationNames(of: EntityRef(type: "Driver", key: "D-1"), at: "2025-03-01T00:00:00Z") == ["DISPATCHED_TO<-Load/L-2"])
            #expect(try await memory.relationNames(of: EntityRef(type: "Driver", key: "D-1"), at: "2025-01-15T00:00:00Z") == ["DISPATCHED_TO<-Load/L-1"])
            #expect(try await memory.relationNames(of: load, at: "2025-01-15T00:00:00Z", knownAt: "2025-01-20T00:00:00Z") == ["DISPATCHED_TO->Driver/D-1"])
        },
        ConformanceCase("one_to_many: a newer fact to the same target supersedes the older") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.fact("OWNS", from: ("Company", "CO-1"), to: ("Tractor", "6520"), validAt: "2025-01-01T00:00:00Z", recordedAt: "2025-01-01T00:00:00Z"),
                F.fact("OWNS", from: ("Company", "CO-1"), to: ("Tractor", "6521"), validAt: "2025-01-01T00:00:00Z", recordedAt: "2025-01-01T00:00:00Z"),
                F.fact("OWNS", from: ("Company", "CO-2"), to: ("Tractor", "6520"), validAt: "2025-03-01T00:00:00Z", recordedAt: "2025-03-02T00:00:00Z"),
            ])
            let company = EntityRef(type: "Company", key: "CO-1")
            #expect(try await memory.relationNames(of: company, at: "2025-02-01T00:00:00Z") == ["OWNS->Tractor/6520", "OWNS->Tractor/6521"])
            #expect(try await memory.relationNames(of: company, at: "2025-03-01T00:00:00Z") == ["OWNS->Tractor/6521"])
            #expect(try await memory.relationNames(of: tractor, at: "2025-03-01T00:00:00Z") == ["OWNS<-Company/CO-2"])
            #expect(try await memory.relationNames(of: company, at: "2025-03-01T00:00:00Z", knownAt: "2025-03-01T12:00:00Z")
                == ["OWNS->Tractor/6520", "OWNS->Tractor/6521"])
        },
        ConformanceCase("one_to_one: a newer fact on either side supersedes the older") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.fact("ASSIGNED_TO", from: ("Driver", "D-17"), to: ("Tractor", "6520"), validAt: "2025-02-01T00:00:00Z", recordedAt: "2025-02-01T00:00:00Z"),
                F.fact("ASSIGNED_TO", from: ("Driver", "D-22"), to: ("Tractor", "6521"), validAt: "2025-02-01T00:00:00Z", recordedAt: "2025-02-01T00:00:00Z"),
                // D-22 takes 6520: supersedes D-17 -> 6520 (same target) and D-22 -> 6521 (same source).
                F.fact("ASSIGNED_TO", from: ("Driver", "D-22"), to: ("Tractor", "6520"), validAt: "2025-04-01T00:00:00Z", recordedAt: "2025-04-01T00:00:00Z"),
            ])
            #expect(try await memory.relationNames(of: tractor, at: "2025-03-01T00:00:00Z") == ["ASSIGNED_TO<-Driver/D-17"])
            #expect(try await memory.relationNames(of: tractor, at: "2025-04-01T00:00:00Z") == ["ASSIGNED_TO<-Driver/D-22"])
            #expect(try await memory.relationNames(of: otherTractor, at: "2025-04-01T00:00:00Z").isEmpty)
            #expect(try await memory.relationNames(of: EntityRef(type: "Driver", key: "D-17"), at: "2025-04-01T00:00:00Z").isEmpty)
            let history = try await memory.history(of: EntityRef(type: "Driver", key: "D-17"))
            #expect(history.relations.first?.effectiveEnd == F.time("2025-04-01T00:00:00Z"))
            #expect(history.relations.first?.endReason == "superseded")
        },
        ConformanceCase("many_to_many: facts never supersede each other") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.fact("KNOWS", from: ("Driver", "D-1"), to: ("Driver", "D-2"), validAt: "2025-01-01T00:00:00Z", recordedAt: "2025-01-01T00:00:00Z"),
                F.fact("KNOWS", from: ("Driver", "D-1"), to: ("Driver", "D-3"), validAt: "2025-02-01T00:00:00Z", recordedAt: "2025-02-01T00:00:00Z"),
                F.fact("KNOWS", from: ("Driver", "D-4"), to: ("Driver", "D-2"), validAt: "2025-03-01T00:00:00Z", recordedAt: "2025-03-01T00:00:00Z"),
            ])
            #expect(try await memory.relationNames(of: EntityRef(type: "Driver", key: "D-1"), at: "2025-04-01T00:00:00Z")
                == ["KNOWS->Driver/D-2", "KNOWS->Driver/D-3"])
            #expect(try await memory.relationNames(of: EntityRef(type: "Driver", key: "D-2"), at: "2025-04-01T00:00:00Z")
                == ["KNOWS<-Driver/D-1", "KNOWS<-Driver/D-4"])
        },
        ConformanceCase("a changed cardinality takes effect on the next answer, traversals included") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.fact("KNOWS", from: ("Driver", "D-1"), to: ("Driver", "D-2"), validAt: "2025-01-01T00:00:00Z", recordedAt: "2025-01-01T00:00:00Z"),
                F.fact("KNOWS", from: ("Driver", "D-1"), to: ("Driver", "D-3"), validAt: "2025-02-01T00:00:00Z", recordedAt: "2025-02-01T00:00:00Z"),
                F.fact("KNOWS", from: ("Driver", "D-3"), to: ("Driver", "D-4"), validAt: "2025-02-01T00:00:00Z", recordedAt: "2025-02-01T00:00:00Z"),
                F.fact("KNOWS", from: ("Driver", "D-5"), to: ("Driver", "D-3"), validAt: "2025-03-01T00:00:00Z", recordedAt: "2025-03-01T00:00:00Z"),
            ])
            let (driver, far, april) = (EntityRef(type: "Driver", key: "D-1"), EntityRef(type: "Driver", key: "D-4"), "2025-04-01T00:00:00Z")
            // Each step reads under the ontology before it first, so that a store that keeps which relations need later
            // facts (and on which side) has learnt the old one when the new one comes.
            for (cardinality, known, reached) in [
                ("many_to_many", ["KNOWS->Driver/D-2", "KNOWS->Driver/D-3"], ["D-3", "D-1", "D-5", "D-2"]),
                // One at a time from each source: D-1's later fact supersedes its earlier one.
                ("many_to_one", ["KNOWS->Driver/D-3"], ["D-3", "D-1", "D-5"]),
                // One at a time on either side: D-5's fact to D-3 supersedes D-1's.
                ("one_to_one", [], ["D-3", "D-5"]),
            ] {
                let source = F.ontology.replacingOccurrences(
                    of: "KNOWS: {from: Driver, to: Driver}", with: "KNOWS: {from: Driver, to: Driver, cardinality: \(cardinality)}")
                #expect(source != F.ontology)
                _ = try await memory.setOntology(source: source)
                #expect(try await memory.relationNames(of: driver, at: april) == known, "\(cardinality)")
                let neighbors = try await memory.neighbors(of: far, at: F.time(april), depth: 3)
                #expect(neighbors.neighbors.map(\.entity.ref.key) == reached, "\(cardinality)")
            }
        },
        ConformanceCase("a superseding fact supersedes even when it is itself ended") { make in
            let memory = try await make()
            try await memory.ingest(lines: [
                F.fact("DISPATCHED_TO", from: ("Load", "L-1"), to: ("Driver", "D-1"), validAt: "2025-01-01T00:00:00Z", recordedAt: "2025-01-01T00:00:00Z"),
                F.fact("DISPATCHED_TO", from: ("Load", "L-1"), to: ("Driver", "D-2"), validAt: "2025-02-01T00:00:00Z",
                       invalidAt: "2025-02-10T00:00:00Z", recordedAt: "2025-02-01T00:00:00Z"),
            ])
            #expect(try await memory.relationNames(of: EntityRef(type: "Load", key: "L-1"), at: "2025-03-01T00:00:00Z").isEmpty)
        },
    ]
}
