import ApexCore
import Testing

@Suite struct ResolverTests {
    static func t(_ day: Int64) -> Timestamp { Timestamp(microseconds: day * 86_400_000_000) }

    @Test func equalTimesResolveTheSameInEitherOrder() {
        let a = PropertyVersion(property: "p", validAt: Self.t(1), recordedAt: Self.t(2), value: #""a""#)
        let b = PropertyVersion(property: "p", validAt: Self.t(1), recordedAt: Self.t(2), value: #""b""#)
        let unset = PropertyVersion(property: "p", validAt: Self.t(1), recordedAt: Self.t(2), value: nil)
        #expect(PropertyResolver.values([a, b], at: Self.t(5), knownAt: Self.t(5)) == PropertyResolver.values([b, a], at: Self.t(5), knownAt: Self.t(5)))
        #expect(PropertyResolver.values([a, unset, b], at: Self.t(5), knownAt: Self.t(5)).isEmpty)
        #expect(PropertyResolver.values([b, unset, a], at: Self.t(5), knownAt: Self.t(5)).isEmpty)
    }

    @Test func anEndClosesOnlyTheLatestInstanceBeforeIt() {
        let d1 = EntityHandle(id: EntityID(high: 1, low: 1), ref: EntityRef(type: "D", key: "1"))
        let d2 = EntityHandle(id: EntityID(high: 2, low: 2), ref: EntityRef(type: "D", key: "2"))
        let facts = [1, 5, 9].map { FactVersion(relation: "R", from: d1, to: d2, validAt: Self.t($0), invalidAt: nil, recordedAt: Self.t(0), fact: nil) }
        let ends = [FactEnd(relation: "R", from: d1.id, to: d2.id, invalidAt: Self.t(7), recordedAt: Self.t(0))]
        let instances = RelationResolver.instances(facts: facts, ends: ends, knownAt: Self.t(10)).sorted(by: RelationResolver.order)
        #expect(instances.map(\.validAt) == [Self.t(1), Self.t(5), Self.t(9)])
        #expect(instances.map(\.endedAt) == [nil, Self.t(7), nil])
        #expect(RelationResolver.instances(facts: facts, ends: ends, knownAt: Self.t(-1)).isEmpty)
    }
}
