/// Answers property questions from an entity's stored versions (spec section 3).
///
/// Pure functions: the store fetches the versions, this decides. Versions not
/// visible at `knownAt` are ignored here too, so a store may over-fetch.
public enum PropertyResolver {
    /// The value of each property that has one at (`at`, `knownAt`), as canonical JSON text.
    public static func values(_ versions: [PropertyVersion], at: Timestamp, knownAt: Timestamp) -> [String: String] {
        var winners: [String: PropertyVersion] = [:]
        for version in versions where version.recordedAt <= knownAt && version.validAt <= at {
            if let current = winners[version.property], !version.wins(over: current) { continue }
            winners[version.property] = version
        }
        var values: [String: String] = [:]
        for (property, version) in winners {
            if let value = version.value { values[property] = value }
        }
        return values
    }

    /// The timeline of one property as known at `knownAt`, filtered to events overlapping `[from, to)`.
    public static func timeline(
        _ versions: [PropertyVersion], property: String, knownAt: Timestamp, from: Timestamp? = nil, to: Timestamp? = nil
    ) -> [TimelineEvent] {
        var byValidAt: [Timestamp: PropertyVersion] = [:]
        for version in versions where version.property == property && version.recordedAt <= knownAt {
            if let current = byValidAt[version.validAt], !version.wins(over: current) { continue }
            byValidAt[version.validAt] = version
        }
        let ordered = byValidAt.values.sorted { $0.validAt < $1.validAt }
        var events: [TimelineEvent] = []
        events.reserveCapacity(ordered.count)
        for (index, version) in ordered.enumerated() {
            let validTo = index + 1 < ordered.count ? ordered[index + 1].validAt : nil
            if let to, version.validAt >= to { continue }
            if let from, let validTo, validTo <= from { continue }
            events.append(TimelineEvent(value: version.value, validAt: version.validAt, validTo: validTo, recordedAt: version.recordedAt))
        }
        return events
    }
}

/// One step of a property's timeline: its value over `[validAt, validTo)`.
public struct TimelineEvent: Sendable, Equatable {
    /// Canonical JSON text, or nil when the property is unset over the interval.
    public var value: String?
    public var validAt: Timestamp
    public var validTo: Timestamp?
    public var recordedAt: Timestamp

    public init(value: String?, validAt: Timestamp, validTo: Timestamp?, recordedAt: Timestamp) {
        self.value = value
        self.validAt = validAt
        self.validTo = validTo
        self.recordedAt = recordedAt
    }
}
