import ApexCore
import ApexEngine
import Testing

extension ConformanceSuite {
    /// A small fleet: Load L-1 → Driver D-1 → Tractor 6520 ← Company CO-1, where D-1 moves to 6521 on 2025-03-01
    /// (one_to_one: the later fact supersedes) and L-1's dispatch is ended on 2025-04-01.
    static let fleet: [String] = [
        F.fact("DISPATCHED_TO", from: ("Load", "L-1"), to: ("Driver", "D-1"), validAt: "2025-01-05T00:00:00Z", recordedAt: "2025-01-05T00:00:00Z"),
        F.fact("ASSIGNED_TO", from: ("Driver", "D-1"), to: ("Tractor", "6520"), validAt: "2025-01-10T00:00:00Z", recordedAt: "2025-01-10T00:00:00Z"),
        F.fact("OWNS", from: ("Company", "CO-1"), to: ("Tractor", "6520"), validAt: "2025-01-01T00:00:00Z", recordedAt: "2025-01-01T00:00:00Z"),
        F.fact("OWNS", from: ("Company", "CO-1"), to: ("Tractor", "6521"), validAt: "2025-01-01T00:00:00Z", recordedAt: "2025-01-01T00:00:00Z"),
        F.fact("ASSIGNED_TO", from: ("Driver", "D-1"), to: ("Tractor", "6521"), validAt: "2025-03-01T00:00:00Z", recordedAt: "2025-03-02T00:00:00Z"),
        F.fact("KNOWS", from: ("Driver", "D-1"), to: ("Driver", "D-2"), validAt: "2025-01-01T00:00:00Z", recordedAt: "2025-01-01T00:00:00Z"),
        F.end("DISPATCHED_TO", from: ("Load", "L-1"), to: ("Driver", "D-1"), invalidAt: "2025-04-01T00:00:00Z", recordedAt: "2025-04-01T00:00:00Z"),
    ]

    static let traversalCases: [ConformanceCase] = [
        ConformanceCase("neighbours at T follow only the relations valid then, depth by depth") { make in
            let memory = try await make()
            try await memory.ingest(lines: fleet)
            let driver = EntityRef(type: "Driver", key: "D-1")
            let february = try await memory.neighbors(of: driver, at: F.time("2025-02-01T00:00:00Z"), knownAt: F.time("2025-12-01T00:00:00Z"), depth: 2)
            #expect(february.neighbors.map(\.summary) == [
                "1 Driver/D-2 via KNOWS from Driver/D-1", "1 Load/L-1 via DISPATCHED_TO from Driver/D-1",
                "1 Tractor/6520 via ASSIGNED_TO from Driver/D-1", "2 Company/CO-1 via OWNS from Tractor/6520",
            ])
            // In March the later assignment supersedes the first (one_to_one); in April the dispatch has ended.
            let april = try await memory.neighbors(of: driver, at: F.time("2025-04-15T00:00:00Z"), knownAt: F.time("2025-12-01T00:00:00Z"), depth: 2)
            #expect(april.neighbors.map(\.summary) == [
                "1 Driver/D-2 via KNOWS from Driver/D-1", "1 Tractor/6521 via ASSIGNED_TO from Driver/D-1", "2 Company/CO-1 via OWNS from Tractor/6521",
            ])
            #expect(AnswerProbe.direction(of: april, at: 1) == "outgoing")
        },
        ConformanceCase("neighbours as known at an earlier time do not see later records") { make in
            let memory = try await make()
            try await memory.ingest(lines: fleet)
            let driver = EntityRef(type: "Driver", key: "D-1")
            // On 2025-03-01 the new assignment was not yet recorded (it was on 03-02).
            let early = try await memory.neighbors(
                of: driver, at: F.time("2025-03-15T00:00:00Z"), knownAt: F.time("2025-03-01T12:00:00Z"), depth: 1, relations: ["ASSIGNED_TO"])
            #expect(early.neighbors.map(\.summary) == ["1 Tractor/6520 via ASSIGNED_TO from Driver/D-1"])
            let later = try await memory.neighbors(
                of: driver, at: F.time("2025-03-15T00:00:00Z"), knownAt: F.time("2025-03-03T00:00:00Z"), depth: 1, relations: ["ASSIGNED_TO"])
            #expect(later.neighbors.map(\.summary) == ["1 Tractor/6521 via ASSIGNED_TO from Driver/D-1"])
        },
        ConformanceCase("neighbours follow the relation types and the direction asked for") { make in
            let memory = try await make()
            try await memory.ingest(lines: fleet)
            let tractor = EntityRef(type: "Tractor", key: "6520")
            let at = F.time("2025-02-01T00:00:00Z")
            let knownAt = F.time("2025-12-01T00:00:00Z")
            let incoming = try await memory.neighbors(of: tractor, at: at, knownAt: knownAt, depth: 2, direction: .incoming)
            #expect(incoming.neighbors.map(\.summary) == [
                "1 Company/CO-1 via OWNS from Tractor/6520", "1 Driver/D-1 via ASSIGNED_TO from Tractor/6520",
                "2 Load/L-1 via DISPATCHED_TO from Driver/D-1",
            ])
            let outgoing = try await memory.neighbors(of: tractor, at: at, knownAt: knownAt, depth: 2, direction: .outgoing)
            #expect(outgoing.neighbors.isEmpty)
            let owners = try await memory.neighbors(of: tractor, at: at, knownAt: knownAt, depth: 3, relations: ["OWNS"])
            #expect(owners.neighbors.map(\.summary) == ["1 Company/CO-1 via OWNS from Tractor/6520", "2 Tractor/6521 via OWNS from Company/CO-1"])
        },
        ConformanceCase("the relations between two entities are their whole history, with when and why each ended") { make in
            let memory = try await make()
            try await memory.ingest(lines: fleet)
            let answer = try await memory.relations(
                between: EntityRef(type: "Driver", key: "D-1"), and: EntityRef(type: "Tractor", key: "6520"), knownAt: F.time("2025-12-01T00:00:00Z"))
            #expect(answer.relations.count == 1)
            #expect(answer.relations.first?.effectiveEnd == F.time("2025-03-01T00:00:00Z"))
            #expect(answer.relations.first?.endReason == "superseded")
            let none = try await memory.relations(
                between: EntityRef(type: "Driver", key: "D-2"), and: EntityRef(type: "Tractor", key: "6520"), knownAt: F.time("2025-12-01T00:00:00Z"))
            #expect(none.relations.isEmpty)
        },
        ConformanceCase("a deeper level keeps each end on the instance it closes, even one that begins after T") { make in
            // D-2 knows D-3 from January, and again from June; the end of September closes the June instance only.
            let memory = try await make()
            try await memory.ingest(lines: fleet + [
                F.fact("KNOWS", from: ("Driver", "D-2"), to: ("Driver", "D-3"), validAt: "2025-01-01T00:00:00Z", recordedAt: "2025-01-01T00:00:00Z"),
                F.fact("KNOWS", from: ("Driver", "D-2"), to: ("Driver", "D-3"), validAt: "2025-06-01T00:00:00Z", recordedAt: "2025-06-01T00:00:00Z"),
                F.end("KNOWS", from: ("Driver", "D-2"), to: ("Driver", "D-3"), invalidAt: "2025-09-01T00:00:00Z", recordedAt: "2025-09-01T00:00:00Z"),
            ])
            let driver = EntityRef(type: "Driver", key: "D-1")
            for at in ["2025-02-01T00:00:00Z", "2025-10-01T00:00:00Z"] {
                let answer = try await memory.neighbors(of: driver, at: F.time(at), knownAt: F.time("2025-12-01T00:00:00Z"), depth: 2, relations: ["KNOWS"])
                #expect(answer.neighbors.map(\.summary) == ["1 Driver/D-2 via KNOWS from Driver/D-1", "2 Driver/D-3 via KNOWS from Driver/D-2"])
                #expect(answer.neighbors.last?.via.validAt == F.time("2025-01-01T00:00:00Z"))
                #expect(answer.neighbors.last?.via.effectiveEnd == nil, "the January instance has no end at \(at)")
            }
        },
        ConformanceCase("a traversal from an unknown entity, too deep or over an undeclared relation is an error") { make in
            let memory = try await make()
            try await memory.ingest(lines: fleet)
            await #expect(throws: QueryError.unknownEntity(EntityRef(type: "Driver", key: "D-9"), knownAt: F.now)) {
                try await memory.neighbors(of: EntityRef(type: "Driver", key: "D-9"))
            }
            await #expect(throws: QueryError.badDepth(6, maximum: 5)) { try await memory.neighbors(of: EntityRef(type: "Driver", key: "D-1"), depth: 6) }
            await #expect(throws: QueryError.unknownRelationType("DRIVES")) {
                try await memory.neighbors(of: EntityRef(type: "Driver", key: "D-1"), relations: ["DRIVES"])
            }
        },
    ]
}

extension Neighbor {
    /// `depth Type/key via RELATION from Type/key`, for readable expectations.
    var summary: String {
        "\(depth) \(entity.ref.type)/\(entity.ref.key) via \(via.relation) from \(parent.ref.type)/\(parent.ref.key)"
    }
}

/// Reads parts of an answer's JSON document.
enum AnswerProbe {
    /// The `via.direction` of the neighbour at `index` in the JSON answer.
    static func direction(of answer: NeighborsAnswer, at index: Int) -> String? {
        guard case .array(let neighbors)? = answer.json["neighbors"], index < neighbors.count else { return nil }
        return neighbors[index]["via"]?["direction"]?.stringValue
    }
}
