/// One stored version of one property: what a `state` record said about it.
///
/// A version with a nil value unsets the property from `validAt` on. Values
/// are canonical JSON text, so versions compare byte for byte.
public struct PropertyVersion: Sendable, Equatable {
    public var property: String
    public var validAt: Timestamp
    public var recordedAt: Timestamp
    /// Canonical JSON text, or nil for unset.
    public var value: String?

    public init(property: String, validAt: Timestamp, recordedAt: Timestamp, value: String?) {
        self.property = property
        self.validAt = validAt
        self.recordedAt = recordedAt
        self.value = value
    }

    /// Whether `self` wins over `other` for the same property (spec section 3, "Property value").
    ///
    /// The greater `validAt` wins; on a tie, the greater `recordedAt` (a later
    /// correction). Two versions with equal times are a conflict the spec does
    /// not decide; so that arrival order never matters, an unset wins over a
    /// value, and otherwise the value whose JSON text is greater byte by byte.
    public func wins(over other: PropertyVersion) -> Bool {
        if validAt != other.validAt { return validAt > other.validAt }
        if recordedAt != other.recordedAt { return recordedAt > other.recordedAt }
        return Self.tieValue(value, beats: other.value)
    }

    /// Within one (valid time, transaction time), which of two values stands.
    public static func tieValue(_ lhs: String?, beats rhs: String?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): false
        case (nil, _): true
        case (_, nil): false
        case (let a?, let b?): b.utf8.lexicographicallyPrecedes(a.utf8)
        }
    }
}

/// An entity's permanent id together with its natural key.
public struct EntityHandle: Sendable, Hashable {
    public var id: EntityID
    public var ref: EntityRef

    public init(id: EntityID, ref: EntityRef) {
        self.id = id
        self.ref = ref
    }
}
