import ApexCore
import ApexPorts

/// The later-fact probes a read already answers: those about an entity every fact of which the read holds.
///
/// A snapshot holds every fact touching its entity as known at its
/// `knownAt`, so "the earliest later fact of this relation from (or to) the
/// entity" needs no second round trip to the graph store when the entity is
/// the snapshot's own. Probes about other entities go to the store.
struct LocalLaterFacts {
    private var index = LaterFactIndex()
    private let complete: Set<EntityID>

    /// Answers nothing: every probe goes to the store.
    init() { complete = [] }

    /// - Parameters:
    ///   - facts: fact versions that include every one touching the entities of `complete`, recorded by `knownAt`.
    ///   - complete: the entities whose facts `facts` holds in full.
    init(facts: [FactVersion], complete: Set<EntityID>, knownAt: Timestamp) {
        self.complete = complete
        guard !complete.isEmpty else { return }
        for fact in facts where fact.recordedAt <= knownAt {
            if complete.contains(fact.from.id) { index.add(relation: fact.relation, side: .from, entity: fact.from.id, validAt: fact.validAt) }
            if complete.contains(fact.to.id) { index.add(relation: fact.relation, side: .to, entity: fact.to.id, validAt: fact.validAt) }
        }
        index.sort()
    }

    /// The store's answers to `probes`, asking it only about those this cannot answer (no round trip when none).
    func earliestFacts(_ probes: [LaterFactProbe], knownAt: Timestamp, store: any GraphStore) async throws -> [Timestamp?] {
        var found = [Timestamp?](repeating: nil, count: probes.count)
        var remote: [Int] = []
        for (position, probe) in probes.enumerated() {
            guard complete.contains(probe.entity) else {
                remote.append(position)
                continue
            }
            found[position] = index.earliest(relation: probe.relation, side: probe.side, entity: probe.entity, after: probe.after)
        }
        guard !remote.isEmpty else { return found }
        let asked = try await store.earliestFacts(remote.map { probes[$0] }, knownAt: knownAt)
        for (offset, position) in remote.enumerated() where offset < asked.count { found[position] = asked[offset] }
        return found
    }
}
