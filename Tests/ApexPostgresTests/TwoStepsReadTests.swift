import ApexCore
import ApexEngine
import ApexPorts
import ApexPostgres
import ApexTesting
import Foundation
import Testing

/// PostgreSQL's read-ahead of a traversal's second level answers what a read of the entities around the start answers.
@Suite struct TwoStepsReadTests {
    /// A fact or end as a sortable line: the two reads may return rows in different orders.
    static func lines(_ read: TouchingRelations) -> [String] {
        (read.facts.map { String(describing: $0) } + read.ends.map { String(describing: $0) }).sorted()
    }

    @Test func theReadAheadIsTheReadOfTheEntitiesAround() async throws {
        try await OpenedStores.using { opened in
            let store = try await PostgresTestServer.store(try await PostgresTestServer.shared.freshDatabase())
            await opened.add(store)
            let memory = MemoryService(store: store, clock: { SpecFixtures.now })
            var random = SplitMix64(seed: 7)
            _ = try await memory.ingest(lines: (0..<120).map { _ in RandomRecords.line(random.next()) })
            let laterOf = try #require(try await memory.storedOntology()).ontology.supersedingCardinalities
            var compared = 0
            for key in ["D-1", "D-2", "D-3"] {
                let ref = EntityRef(type: "Driver", key: key)
                let start = try #require(try await store.entity(ref))
                for day: Int64 in [0, 5, 12, 25] {
                    let at = Timestamp(microseconds: SpecFixtures.time("2025-01-01T00:00:00Z").microseconds + day * 86_400_000_000)
                    let knownAt = Timestamp(microseconds: at.microseconds + 3 * 86_400_000_000)
                    let first = try await store.relations(touchingAny: [start.id], knownAt: knownAt, validBy: at, laterOf: [:])
                    let around = Set(first.facts.filter { $0.validAt <= at && $0.recordedAt <= knownAt }.map { $0.from.id == start.id ? $0.to.id : $0.from.id })
                    let expected = around.isEmpty
                        ? TouchingRelations(facts: [], ends: [])
                        : try await store.relations(touchingAny: Array(around), knownAt: knownAt, validBy: at, laterOf: laterOf)
                    let ahead = try #require(try await store.relations(twoStepsFrom: ref, knownAt: knownAt, validBy: at, laterOf: laterOf))
                    #expect(Self.lines(ahead) == Self.lines(expected), "\(key) at day \(day)")
                    compared += expected.facts.count
                }
            }
            #expect(compared > 0, "the records give the drivers facts to compare")
            #expect(try await store.relations(twoStepsFrom: EntityRef(type: "Driver", key: "D-9"), knownAt: SpecFixtures.now, validBy: SpecFixtures.now, laterOf: laterOf) == nil)
            await opened.shutdownAll()
        }
    }
}
