/// One stored `fact` record: a version of a relation instance.
///
/// The instance is identified by (relation, from, to, validAt); several
/// versions of it differ in `recordedAt`, and the latest visible one gives
/// its `invalidAt` and `fact` text.
public struct FactVersion: Sendable, Equatable {
    public var relation: String
    public var from: EntityHandle
    public var to: EntityHandle
    public var validAt: Timestamp
    public var invalidAt: Timestamp?
    public var recordedAt: Timestamp
    public var fact: String?
    /// What could supersede this instance, when the store looked it up with the version (see ``LaterFacts``).
    public var later: LaterFacts?

    public init(
        relation: String, from: EntityHandle, to: EntityHandle, validAt: Timestamp, invalidAt: Timestamp?, recordedAt: Timestamp, fact: String?,
        later: LaterFacts? = nil
    ) {
        self.relation = relation
        self.from = from
        self.to = to
        self.validAt = validAt
        self.invalidAt = invalidAt
        self.recordedAt = recordedAt
        self.fact = fact
        self.later = later
    }

    /// Whether this version of an instance wins over another version of the same instance.
    ///
    /// The later recorded one wins. Equal `recordedAt` is a conflict the spec
    /// does not decide; so that arrival order never matters, the earlier
    /// `invalidAt` (open counts as latest) wins, then the greater fact text.
    public func wins(over other: FactVersion) -> Bool {
        if recordedAt != other.recordedAt { return recordedAt > other.recordedAt }
        return Self.tie(invalidAt: invalidAt, fact: fact, beats: other.invalidAt, other.fact)
    }

    /// Within one transaction time, which of two versions of an instance stands: the earlier `invalidAt`
    /// (open counts as latest), then the greater fact text (bytewise), then one with a text over one without.
    public static func tie<Time: Comparable>(invalidAt: Time?, fact: String?, beats otherInvalidAt: Time?, _ otherFact: String?) -> Bool {
        if invalidAt != otherInvalidAt {
            guard let mine = invalidAt else { return false }
            guard let theirs = otherInvalidAt else { return true }
            return mine < theirs
        }
        switch (fact, otherFact) {
        case (let a?, let b?): return b.utf8.lexicographicallyPrecedes(a.utf8)
        case (_?, nil): return true
        default: return false
        }
    }
}

/// The earliest later facts of the same type on each side of an instance, as known at the query's `knownAt`.
///
/// Under a bounded cardinality these supersede the instance (spec section 3,
/// rule 3). A store that can find them in the same read as the facts returns
/// them, which saves the engine a lookup per relation.
public struct LaterFacts: Sendable, Equatable {
    /// The smallest `valid_at` after the instance's among facts of its type from the same source.
    public var fromSource: Timestamp?
    /// The smallest `valid_at` after the instance's among facts of its type to the same target.
    public var toTarget: Timestamp?

    public init(fromSource: Timestamp?, toTarget: Timestamp?) {
        self.fromSource = fromSource
        self.toTarget = toTarget
    }

    /// When these supersede an instance of a relation with `cardinality`; nil if never.
    public func supersession(under cardinality: Cardinality) -> Timestamp? {
        var earliest: Timestamp?
        if cardinality.supersedesBySource, let fromSource { earliest = fromSource }
        if cardinality.supersedesByTarget, let toTarget { earliest = min(earliest ?? toTarget, toTarget) }
        return earliest
    }
}

/// One stored `end` record: closes a relation instance between two entities.
public struct FactEnd: Sendable, Equatable {
    public var relation: String
    public var from: EntityID
    public var to: EntityID
    public var invalidAt: Timestamp
    public var recordedAt: Timestamp

    public init(relation: String, from: EntityID, to: EntityID, invalidAt: Timestamp, recordedAt: Timestamp) {
        self.relation = relation
        self.from = from
        self.to = to
        self.invalidAt = invalidAt
        self.recordedAt = recordedAt
    }
}
