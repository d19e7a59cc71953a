import ApexCore
import Testing

@testable import ApexFalkorDB

/// The lines of an adjacency summary (``AdjacencyItem``), parsed from bytes: every field, the absent ones, and what is refused.
@Suite struct AdjacencyItemTests {
    static let other = "0190aaaa-0000-7000-8000-000000000001"
    static let saga = "0190aaaa-0000-7000-8000-0000000000ff"

    @Test func factsAndEndsReadEveryField() throws {
        let items = try AdjacencyItem.items(
            of: "f o \(Self.other) 1736467200000000 - 1736467200000001 - KNOWS\ne i \(Self.other) - -5 7 \(Self.saga) WORKS_ON")
        #expect(items.count == 2)
        let fact = try #require(items.first)
        #expect(fact.kind == .fact && fact.outgoing && fact.other == EntityID(Self.other))
        #expect(fact.validAt == Timestamp(microseconds: 1_736_467_200_000_000) && fact.invalidAt == nil)
        #expect(fact.recordedAt == Timestamp(microseconds: 1_736_467_200_000_001) && fact.saga == nil && fact.relation == "KNOWS")
        let end = try #require(items.last)
        #expect(end.kind == .end && !end.outgoing && end.validAt == nil && end.invalidAt == Timestamp(microseconds: -5))
        #expect(end.saga == EntityID(Self.saga) && end.relation == "WORKS_ON")
        #expect(try AdjacencyItem.items(of: "").isEmpty)
    }

    @Test(arguments: [
        "f o \(other) - - 1 - KNOWS",  // a fact without a valid time
        "e o \(other) 1 2 3 - KNOWS",  // an end with a valid time
        "f x \(other) 1 - 1 - KNOWS",  // no direction
        "f o not-an-id 1 - 1 - KNOWS",
        "f o \(other) 1 - 1 -",  // no relation
        "f o \(other) 1a - 1 - KNOWS",
        "f o \(other) 99999999999999999999 - 1 - KNOWS",  // past Int64
        "f o \(other) 1 - 1 not-a-saga KNOWS",
    ])
    func malformedLinesAreRefused(_ line: String) {
        #expect(throws: FalkorDBStoreError.self) { try AdjacencyItem.items(of: line) }
    }

    @Test func sagasAreVisibleAsEdgeQueriesFilterThem() throws {
        let tagged = try #require(try AdjacencyItem.items(of: "f o \(Self.other) 1 - 1 \(Self.saga) KNOWS").first)
        let untagged = try #require(try AdjacencyItem.items(of: "f o \(Self.other) 1 - 1 - KNOWS").first)
        let saga = try #require(EntityID(Self.saga))
        let later = try #require(EntityID("0190aaaa-0000-7000-8000-000000000100"))
        let earlier = try #require(EntityID("0190aaaa-0000-7000-8000-000000000001"))
        #expect(untagged.isVisible(horizon: nil, hidden: []))
        #expect(!tagged.isVisible(horizon: nil, hidden: []), "no horizon: no saga is visible")
        #expect(tagged.isVisible(horizon: saga, hidden: []) && tagged.isVisible(horizon: later, hidden: []))
        #expect(!tagged.isVisible(horizon: earlier, hidden: []), "a saga after the horizon")
        #expect(!tagged.isVisible(horizon: later, hidden: [saga]), "a saga in flight")
    }
}
