public import ApexCore

/// A fact version as a store reads it: its ends by id, before their types and keys are looked up (``EntityRefCache``).
///
/// Stores return ids alone because an id's type and key never change and
/// reading them with every fact costs more than the rest of a traversal level.
public struct FactByIDs: Sendable, Equatable {
    public var relation: String
    public var from: EntityID
    public var to: EntityID
    public var validAt: Timestamp
    public var invalidAt: Timestamp?
    public var recordedAt: Timestamp
    public var fact: String?

    public init(relation: String, from: EntityID, to: EntityID, validAt: Timestamp, invalidAt: Timestamp?, recordedAt: Timestamp, fact: String?) {
        self.relation = relation
        self.from = from
        self.to = to
        self.validAt = validAt
        self.invalidAt = invalidAt
        self.recordedAt = recordedAt
        self.fact = fact
    }

    /// The fact version with the ends' types and keys from `refs`, or nil when `refs` lacks one of them.
    public func version(_ refs: [EntityID: EntityRef], later: LaterFacts? = nil) -> FactVersion? {
        guard let fromRef = refs[from], let toRef = refs[to] else { return nil }
        return FactVersion(
            relation: relation, from: EntityHandle(id: from, ref: fromRef), to: EntityHandle(id: to, ref: toRef), validAt: validAt,
            invalidAt: invalidAt, recordedAt: recordedAt, fact: fact, later: later)
    }
}
