/// Collapses fact and end records into relation instances (spec sections 2 and 3).
public enum RelationResolver {
    private struct InstanceKey: Hashable {
        let relation: String
        let from: EntityID
        let to: EntityID
        let validAt: Timestamp
    }

    private struct PairKey: Hashable {
        let relation: String
        let from: EntityID
        let to: EntityID
    }

    /// The instances visible at `knownAt`, each with its explicit end.
    ///
    /// - Parameters:
    ///   - facts: every stored fact version between the entity pairs of interest (others are ignored by `end` matching,
    ///     so pass all versions for each pair).
    ///   - ends: the `end` records between the same pairs.
    /// - Returns: the instances, in no particular order (sort what you keep with ``order(_:_:)``); `supersededAt` is left nil.
    public static func instances(facts: [FactVersion], ends: [FactEnd], knownAt: Timestamp) -> [RelationInstance] {
        // Sized for every fact, and each key hashed once: a traversal level resolves hundreds of facts.
        var latest = [InstanceKey: FactVersion](minimumCapacity: facts.count)
        for version in facts where version.recordedAt <= knownAt {
            let key = InstanceKey(relation: version.relation, from: version.from.id, to: version.to.id, validAt: version.validAt)
            if let index = latest.index(forKey: key) {
                if version.wins(over: latest.values[index]) { latest.values[index] = version }
                continue
            }
            latest[key] = version
        }
        // The starts of the pairs that have ends: only those are needed to match an end with its instance.
        let visibleEnds = ends.filter { $0.recordedAt <= knownAt }
        var byPair: [PairKey: [Timestamp]] = [:]
        for end in visibleEnds { byPair[PairKey(relation: end.relation, from: end.from, to: end.to)] = [] }
        if !byPair.isEmpty {
            for key in latest.keys {
                let pair = PairKey(relation: key.relation, from: key.from, to: key.to)
                if byPair[pair] != nil { byPair[pair]?.append(key.validAt) }
            }
            for key in byPair.keys { byPair[key]?.sort() }
        }
        var endedAt: [InstanceKey: Timestamp] = [:]
        for end in visibleEnds {
            let pair = PairKey(relation: end.relation, from: end.from, to: end.to)
            // The instance with the latest valid_at strictly before the end's invalid_at.
            guard let starts = byPair[pair], let closed = starts.last(where: { $0 < end.invalidAt }) else { continue }
            let key = InstanceKey(relation: end.relation, from: end.from, to: end.to, validAt: closed)
            endedAt[key] = min(endedAt[key] ?? end.invalidAt, end.invalidAt)
        }
        return latest.map { key, version in
            RelationInstance(
                relation: version.relation, from: version.from, to: version.to, validAt: version.validAt, invalidAt: version.invalidAt,
                endedAt: endedAt[key], supersededAt: nil, fact: version.fact, recordedAt: version.recordedAt, later: version.later)
        }
    }

    /// A stable order for answers: by valid time, then relation type, then the ends' natural keys.
    public static func order(_ lhs: RelationInstance, _ rhs: RelationInstance) -> Bool {
        if lhs.validAt != rhs.validAt { return lhs.validAt < rhs.validAt }
        if lhs.relation != rhs.relation { return lhs.relation < rhs.relation }
        if lhs.from.ref != rhs.from.ref { return lhs.from.ref < rhs.from.ref }
        return lhs.to.ref < rhs.to.ref
    }

    /// The earliest `valid_at` among visible records naming the entity, or nil if none is visible.
    ///
    /// An entity exists at `at` exactly when this is `<= at` (spec section 3, "Entity existence").
    public static func firstValidAt(versions: [PropertyVersion], facts: [FactVersion], knownAt: Timestamp) -> Timestamp? {
        var first: Timestamp?
        for version in versions where version.recordedAt <= knownAt {
            first = min(first ?? version.validAt, version.validAt)
        }
        for fact in facts where fact.recordedAt <= knownAt {
            first = min(first ?? fact.validAt, fact.validAt)
        }
        return first
    }
}
