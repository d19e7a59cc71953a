import ApexPorts

/// Counts relation churn in a period from every stored fact version and end, as the SQL stores' churn query does.
///
/// An instance is a (relation, from, to, valid_at); its own `invalid_at` is
/// that of its latest recorded version; its end record is the earliest end
/// after its `valid_at` and not after the pair's next instance; it is
/// followed when a later fact of the relation shares its source (or target).
struct ChurnCounter {
    private struct Instance: Hashable {
        var relation: String
        var from: String
        var to: String
        var validAt: Int64
    }

    private var latest: [Instance: (recordedAt: Int64, invalidAt: Int64?)] = [:]
    private var ends: [String: [Int64]] = [:]

    mutating func addFact(relation: String, from: String, to: String, validAt: Int64, invalidAt: Int64?, recordedAt: Int64) {
        let instance = Instance(relation: relation, from: from, to: to, validAt: validAt)
        if let current = latest[instance], current.recordedAt >= recordedAt { return }
        latest[instance] = (recordedAt, invalidAt)
    }

    mutating func addEnd(relation: String, from: String, to: String, invalidAt: Int64) {
        ends[Self.pairKey(relation, from, to), default: []].append(invalidAt)
    }

    private static func pairKey(_ relation: String, _ from: String, _ to: String) -> String { relation + "\u{1}" + from + "\u{1}" + to }

    func churn(from start: Int64, to stop: Int64) -> [RelationChurn] {
        var byPair: [String: [Int64]] = [:]
        var bySource: [String: [Int64]] = [:]
        var byTarget: [String: [Int64]] = [:]
        for instance in latest.keys {
            byPair[Self.pairKey(instance.relation, instance.from, instance.to), default: []].append(instance.validAt)
            bySource[instance.relation + "\u{1}" + instance.from, default: []].append(instance.validAt)
            byTarget[instance.relation + "\u{1}" + instance.to, default: []].append(instance.validAt)
        }
        func next(after value: Int64, in list: [Int64]?) -> Int64? { list?.filter { $0 > value }.min() }
        func inPeriod(_ value: Int64?) -> Bool { value.map { $0 >= start && $0 < stop } ?? false }
        var figures: [String: RelationChurn] = [:]
        for (instance, version) in latest {
            let pair = Self.pairKey(instance.relation, instance.from, instance.to)
            let nextSamePair = next(after: instance.validAt, in: byPair[pair])
            let endAt = ends[pair]?.filter { end in end > instance.validAt && (nextSamePair.map { end <= $0 } ?? true) }.min()
            let explicitEnd = [version.invalidAt, endAt].compactMap { $0 }.min()
            var churn = figures[instance.relation] ?? RelationChurn(relation: instance.relation, started: 0, endedExplicitly: 0, followedFromSource: 0, followedToTarget: 0)
            if inPeriod(instance.validAt) { churn.started += 1 }
            if inPeriod(explicitEnd) { churn.endedExplicitly += 1 }
            if inPeriod(next(after: instance.validAt, in: bySource[instance.relation + "\u{1}" + instance.from])) { churn.followedFromSource += 1 }
            if inPeriod(next(after: instance.validAt, in: byTarget[instance.relation + "\u{1}" + instance.to])) { churn.followedToTarget += 1 }
            figures[instance.relation] = churn
        }
        return figures.values.sorted { $0.relation < $1.relation }
    }
}
