/// A reference to an entity by its type and natural key: `{"type": "Tractor", "key": "6520"}`.
public struct EntityRef: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var type: String
    public var key: String

    public init(type: String, key: String) {
        self.type = type
        self.key = key
    }

    /// Parses the CLI form `TYPE/KEY`; the key is everything after the first `/`.
    public init?(path: String) {
        guard let slash = path.firstIndex(of: "/") else { return nil }
        let type = String(path[..<slash])
        let key = String(path[path.index(after: slash)...])
        guard !type.isEmpty, !key.isEmpty else { return nil }
        self.init(type: type, key: key)
    }

    /// `Type/Key`, as the CLI writes it.
    public var description: String { "\(type)/\(key)" }

    public static func < (lhs: EntityRef, rhs: EntityRef) -> Bool {
        (lhs.type, lhs.key) < (rhs.type, rhs.key)
    }
}

/// One line of a record file, checked against the ontology (spec section 2).
public enum Record: Sendable, Equatable {
    case state(StateRecord)
    case fact(FactRecord)
    case end(EndRecord)

    /// The entities the record names: its entity, or the two ends of its relation.
    public var entityRefs: [EntityRef] {
        switch self {
        case .state(let record): [record.entity]
        case .fact(let record): [record.from, record.to]
        case .end(let record): [record.from, record.to]
        }
    }

    /// The transaction time written in the record, if any.
    public var recordedAt: Timestamp? {
        switch self {
        case .state(let record): record.recordedAt
        case .fact(let record): record.recordedAt
        case .end(let record): record.recordedAt
        }
    }
}

/// From `validAt` on, each change sets or unsets one property of an entity.
public struct StateRecord: Sendable, Equatable {
    public var entity: EntityRef
    public var validAt: Timestamp
    /// Properties set (with their canonical JSON text) or unset (nil), in the order written.
    public var changes: [PropertyChange]
    public var recordedAt: Timestamp?
    public var source: String?

    public init(entity: EntityRef, validAt: Timestamp, changes: [PropertyChange], recordedAt: Timestamp? = nil, source: String? = nil) {
        self.entity = entity
        self.validAt = validAt
        self.changes = changes
        self.recordedAt = recordedAt
        self.source = source
    }
}

/// One property set to a value, or unset.
public struct PropertyChange: Sendable, Equatable {
    public var property: String
    /// The canonical JSON text of the new value; nil unsets the property.
    public var value: String?

    public init(property: String, value: String?) {
        self.property = property
        self.value = value
    }
}

/// A relation between two entities valid in `[validAt, invalidAt)`.
public struct FactRecord: Sendable, Equatable {
    public var relation: String
    public var from: EntityRef
    public var to: EntityRef
    public var validAt: Timestamp
    public var invalidAt: Timestamp?
    public var fact: String?
    public var recordedAt: Timestamp?
    public var source: String?

    public init(
        relation: String, from: EntityRef, to: EntityRef, validAt: Timestamp, invalidAt: Timestamp? = nil, fact: String? = nil,
        recordedAt: Timestamp? = nil, source: String? = nil
    ) {
        self.relation = relation
        self.from = from
        self.to = to
        self.validAt = validAt
        self.invalidAt = invalidAt
        self.fact = fact
        self.recordedAt = recordedAt
        self.source = source
    }
}

/// Closes the latest relation instance of a type between two entities that began before `invalidAt`.
public struct EndRecord: Sendable, Equatable {
    public var relation: String
    public var from: EntityRef
    public var to: EntityRef
    public var invalidAt: Timestamp
    public var recordedAt: Timestamp?
    public var source: String?

    public init(relation: String, from: EntityRef, to: EntityRef, invalidAt: Timestamp, recordedAt: Timestamp? = nil, source: String? = nil) {
        self.relation = relation
        self.from = from
        self.to = to
        self.invalidAt = invalidAt
        self.recordedAt = recordedAt
        self.source = source
    }
}
