import ApexCore
import ApexEngine
import ApexPorts
import Testing

/// What `apex export` and `apex move` rely on, checked on any adapter: the move's state as a compare-and-set, every
/// stored row read back as it was written, and a move between two fresh stores of the adapter.
extension ConformanceSuite {
    static let moveCases: [AdapterConformanceCase] = [
        AdapterConformanceCase("a move's state is stored once and changed only from the generation read") { make in
            let store = try await make().store
            let at = SpecFixtures.time("2025-06-01T00:00:00Z")
            #expect(try await store.moveState() == nil)
            #expect(try await store.saveMoveState(#"{"phase":"dual_write","quote":"it's \"x\""}"#, expected: 0, at: at))
            #expect(try await !store.saveMoveState("{}", expected: 0, at: at), "a second first state is refused")
            #expect(try await store.moveState() == StoredMoveState(generation: 1, state: #"{"phase":"dual_write","quote":"it's \"x\""}"#, updatedAt: at))
            async let first = store.saveMoveState(#"{"phase":"canary"}"#, expected: 1, at: at)
            async let second = store.saveMoveState(#"{"phase":"cutover"}"#, expected: 1, at: at)
            let saved = try await [first, second]
            #expect(saved.filter { $0 }.count == 1, "of two changes from one generation, one is stored")
            #expect(try await store.moveState()?.generation == 2)
        },
        AdapterConformanceCase("dumps give back every stored row: superseded versions, recorded times, sources, facts and ends by their from") { make in
            let adapter = try await make()
            try await adapter.memory.ingest(lines: [
                #"{"kind":"state","entity":{"type":"Tractor","key":"6520"},"valid_at":"2025-03-01T00:00:00Z","set":{"status":"active","current_miles":10},"recorded_at":"2025-03-01T01:00:00Z","source":"telematics"}"#,
                SpecFixtures.state("6520", "2025-03-01T00:00:00Z", set: #"{"current_miles":12}"#, recordedAt: "2025-03-02T00:00:00Z"),
                SpecFixtures.state("6520", "2025-03-05T00:00:00Z", unset: ["status"], recordedAt: "2025-03-05T00:00:00Z"),
                SpecFixtures.fact("ASSIGNED_TO", from: ("Driver", "D-17"), to: ("Tractor", "6520"), validAt: "2025-03-01T00:00:00Z", fact: "drives it"),
                SpecFixtures.end("ASSIGNED_TO", from: ("Driver", "D-17"), to: ("Tractor", "6520"), invalidAt: "2025-03-04T00:00:00Z"),
            ])
            let store = adapter.store
            let tractor = try #require(try await store.entity(EntityRef(type: "Tractor", key: "6520")))
            let driver = try #require(try await store.entity(EntityRef(type: "Driver", key: "D-17")))
            let versions = try await store.dumpedVersions(of: [tractor.id, driver.id])
            let miles = versions.filter { $0.entity == tractor.id && $0.version.property == "current_miles" }.sorted { $0.version.recordedAt < $1.version.recordedAt }
            #expect(miles.map(\.version.value) == ["10", "12"], "the correction and what it corrected")
            #expect(miles.first?.source == "telematics" && miles.last?.source == nil)
            #expect(versions.contains { $0.entity == tractor.id && $0.version.property == "status" && $0.version.value == nil }, "an unset is a version")
            let fromDriver = try await store.dumpedRelations(from: [driver.id])
            #expect(fromDriver.facts.map(\.fact.fact) == ["drives it"])
            #expect(fromDriver.facts.first?.fact.to == tractor)
            #expect(fromDriver.ends.map(\.end.invalidAt) == [SpecFixtures.time("2025-03-04T00:00:00Z")])
            let fromTractor = try await store.dumpedRelations(from: [tractor.id])
            #expect(fromTractor.facts.isEmpty && fromTractor.ends.isEmpty, "relations are read by their from side only")
        },
        AdapterConformanceCase("a move between two fresh stores writes to both, answers from the truth, and rolls back with nothing lost") { make in
            let source = try await make().store
            let target = try await make().store
            let route = MoveRoute(source: source, openTarget: { _ in target }, log: { _ in })
            let memory = MemoryService(store: MovingStore(route: route))
            try await memory.ingest(lines: [
                SpecFixtures.state("6520", "2025-03-01T00:00:00Z", set: #"{"current_miles":10}"#),
                SpecFixtures.state("6519", "2025-03-01T00:00:00Z", set: #"{"current_miles":5}"#),
            ])
            #expect(try await target.entity(EntityRef(type: "Tractor", key: "6520")) == nil, "no move yet: the source alone")
            // apex move start gives the target the ontology.
            try await MemoryService(store: target).setOntology(source: SpecFixtures.ontology)
            let phases = MovePhases(store: source)
            _ = try await phases.start(to: MoveTarget(data: "/nowhere", databaseURL: nil, graphURL: nil))
            try await route.refresh()
            try await memory.ingest(lines: [SpecFixtures.state("6521", "2025-03-01T00:00:00Z", set: #"{"current_miles":20}"#)])
            let onTarget = try await target.entity(EntityRef(type: "Tractor", key: "6521"))
            #expect(onTarget == (try await source.entity(EntityRef(type: "Tractor", key: "6521"))), "dual writes keep the engine's id on both sides")
            #expect(try await target.entity(EntityRef(type: "Tractor", key: "6520")) == nil, "the backfill copies what came before")
            // The same value again: the source stores nothing new (it equals the latest), and the target must not store a
            // row the source skipped; the write brings the target's rows of 6520 up to the source's instead.
            try await memory.ingest(lines: [SpecFixtures.state("6520", "2025-03-01T00:00:00Z", set: #"{"current_miles":10}"#)])
            let id = try #require(try await source.entity(EntityRef(type: "Tractor", key: "6520"))).id
            func rows(_ store: any TemporalStore) async throws -> [String] {
                try await store.dumpedVersions(of: [id]).map { "\($0.version.property) \($0.version.validAt) \($0.version.recordedAt) \($0.version.value ?? "-") \($0.source ?? "-")" }.sorted()
            }
            let sourceRows = try await rows(source)
            let targetRows = try await rows(target)
            #expect(!sourceRows.isEmpty && sourceRows == targetRows, "both sides hold the same rows of 6520")
            try await phases.update { $0.backfill.done = true; $0.verifiedAt = SpecFixtures.now }
            _ = try await phases.cutover()
            try await route.refresh()
            await #expect(throws: QueryError.self, "after the cutover the target answers, and it has no 6519") {
                _ = try await memory.state(of: EntityRef(type: "Tractor", key: "6519"), at: SpecFixtures.now)
            }
            try await memory.ingest(lines: [SpecFixtures.state("6522", "2025-03-01T00:00:00Z", set: #"{"current_miles":30}"#)])
            #expect(try await source.entity(EntityRef(type: "Tractor", key: "6522")) != nil, "the source still takes every write, second")
            _ = try await phases.rollback()
            try await route.refresh()
            let state = try await memory.state(of: EntityRef(type: "Tractor", key: "6522"), at: SpecFixtures.now)
            #expect(state.properties.first { $0.0 == "current_miles" }?.1 == "30")
            try await memory.ingest(lines: [SpecFixtures.state("6523", "2025-03-01T00:00:00Z", set: #"{"current_miles":40}"#)])
            #expect(try await target.entity(EntityRef(type: "Tractor", key: "6523")) == nil, "after the rollback, the source alone")
        },
        AdapterConformanceCase("a move's target that cannot be opened fails no write before the cutover, counts each, and blocks the cutover") { make in
            let source = try await make().store
            struct Unreachable: Error {}
            let route = MoveRoute(source: source, openTarget: { _ in throw Unreachable() }, log: { _ in })
            let memory = MemoryService(store: MovingStore(route: route))
            try await memory.ingest(lines: [SpecFixtures.state("6520", "2025-03-01T00:00:00Z", set: #"{"current_miles":10}"#)])
            let phases = MovePhases(store: source)
            _ = try await phases.start(to: MoveTarget(data: "/nowhere", databaseURL: nil, graphURL: nil))
            try await route.refresh()
            try await memory.ingest(lines: [SpecFixtures.state("6520", "2025-03-02T00:00:00Z", set: #"{"current_miles":20}"#)])
            let state = try await memory.state(of: EntityRef(type: "Tractor", key: "6520"), at: SpecFixtures.now)
            #expect(state.properties.first { $0.0 == "current_miles" }?.1 == "20", "the source took the write and answers")
            #expect(try await phases.current()?.mirrorFailures == 1)
            try await phases.update { $0.backfill.done = true; $0.verifiedAt = SpecFixtures.now }
            await #expect(throws: MoveError.self, "a write missed the target: no cutover") { _ = try await phases.cutover() }
        },
    ]
}
