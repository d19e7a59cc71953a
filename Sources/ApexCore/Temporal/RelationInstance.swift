/// A relation instance as known at some transaction time, with how and when it ends.
///
/// Built by ``RelationResolver`` from fact and end records; the engine adds
/// `supersededAt` from the store (the earliest later fact on a bounded side).
public struct RelationInstance: Sendable, Equatable {
    public var relation: String
    public var from: EntityHandle
    public var to: EntityHandle
    public var validAt: Timestamp
    /// The `invalid_at` of the latest visible version of the fact itself.
    public var invalidAt: Timestamp?
    /// The earliest `invalid_at` among visible `end` records that close this instance.
    public var endedAt: Timestamp?
    /// The `valid_at` of the earliest later fact that supersedes this one (cardinality rule), if any.
    public var supersededAt: Timestamp?
    public var fact: String?
    public var recordedAt: Timestamp
    /// The later facts that may supersede it, when the store returned them with the facts.
    public var later: LaterFacts?

    public init(
        relation: String, from: EntityHandle, to: EntityHandle, validAt: Timestamp, invalidAt: Timestamp?, endedAt: Timestamp?,
        supersededAt: Timestamp?, fact: String?, recordedAt: Timestamp, later: LaterFacts? = nil
    ) {
        self.later = later
        self.relation = relation
        self.from = from
        self.to = to
        self.validAt = validAt
        self.invalidAt = invalidAt
        self.endedAt = endedAt
        self.supersededAt = supersededAt
        self.fact = fact
        self.recordedAt = recordedAt
    }

    /// The explicit end (spec section 3, rule 2): the fact's own `invalid_at` or an `end` record's, whichever is earliest.
    public var explicitEnd: Timestamp? {
        Self.earliest(invalidAt, endedAt)
    }

    /// When the instance stops being valid, for any reason; nil while open.
    public var effectiveEnd: Timestamp? {
        Self.earliest(explicitEnd, supersededAt)
    }

    /// What ends the instance: `invalid_at`, `end`, `superseded`, or nil while open.
    public var endReason: String? {
        guard let end = effectiveEnd else { return nil }
        if end == invalidAt { return "invalid_at" }
        if end == endedAt { return "end" }
        return "superseded"
    }

    /// Rules 1 and 2: begun by `at` and not explicitly ended by then.
    public func isOpen(at: Timestamp) -> Bool {
        validAt <= at && (explicitEnd.map { $0 > at } ?? true)
    }

    /// Rules 1 to 3: valid at `at` (the caller has filled `supersededAt`).
    public func isValid(at: Timestamp) -> Bool {
        validAt <= at && (effectiveEnd.map { $0 > at } ?? true)
    }

    private static func earliest(_ a: Timestamp?, _ b: Timestamp?) -> Timestamp? {
        switch (a, b) {
        case (let a?, let b?): min(a, b)
        case (let a?, nil): a
        case (nil, let b): b
        }
    }
}
