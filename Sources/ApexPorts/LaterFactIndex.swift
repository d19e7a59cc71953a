public import ApexCore

/// The valid times of facts by relation, side and entity, to answer "the earliest later fact" without a store.
///
/// Filled from a read that holds every fact of a relation on one side of an
/// entity (a snapshot's own entity, a traversal level's frontier); it answers
/// what ``GraphStore/earliestFacts(_:knownAt:)`` would for exactly those.
public struct LaterFactIndex: Sendable {
    private struct Key: Hashable {
        let relation: String
        let side: FactSide
        let entity: EntityID
    }

    /// Per relation, side and entity: the valid times of its facts, ascending once ``sort()`` ran.
    private var validTimes: [Key: [Timestamp]] = [:]

    public init() {}

    /// Notes a fact of `relation` valid from `validAt` with `entity` on `side`.
    public mutating func add(relation: String, side: FactSide, entity: EntityID, validAt: Timestamp) {
        validTimes[Key(relation: relation, side: side, entity: entity), default: []].append(validAt)
    }

    /// Sorts each list: call once after the last ``add(relation:side:entity:validAt:)``.
    public mutating func sort() {
        for key in validTimes.keys { validTimes[key]?.sort() }
    }

    /// The smallest valid time after `after` among the facts noted for (relation, side, entity); nil if none.
    public func earliest(relation: String, side: FactSide, entity: EntityID, after: Timestamp) -> Timestamp? {
        guard let times = validTimes[Key(relation: relation, side: side, entity: entity)] else { return nil }
        // Binary search for the first time greater than `after`.
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] <= after { low = middle + 1 } else { high = middle }
        }
        return low < times.count ? times[low] : nil
    }
}
