import ApexCore
import ApexEngine
import ApexSQLite
import ApexTesting
import Testing

/// The conformance suite against the embedded SQLite store, one fresh file per memory.
@Suite struct SQLiteConformanceTests {
    static let factory: ServiceFactory = {
        let store = try await SQLiteStore.open(directory: try SpecFixtures.temporaryDirectory())
        return MemoryService(store: store, clock: { SpecFixtures.now })
    }

    @Test(arguments: ConformanceSuite.cases)
    func conformance(_ rule: ConformanceCase) async throws {
        try await rule.body(Self.factory)
    }

    @Test func reopeningTheFileKeepsEverything() async throws {
        let directory = try SpecFixtures.temporaryDirectory()
        let first = MemoryService(store: try await SQLiteStore.open(directory: directory), clock: { SpecFixtures.now })
        try await first.ingest(lines: ConformanceSuite.mixedHistory)
        let before = try await first.state(of: EntityRef(type: "Tractor", key: "6520"), at: SpecFixtures.time("2025-03-02T00:00:00Z"))
        let second = MemoryService(store: try await SQLiteStore.open(directory: directory), clock: { SpecFixtures.now })
        let after = try await second.state(of: EntityRef(type: "Tractor", key: "6520"), at: SpecFixtures.time("2025-03-02T00:00:00Z"))
        #expect(before == after)
        #expect(after.entity.id.version == 7)
    }
}
