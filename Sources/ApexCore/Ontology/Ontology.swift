/// The entity types and relation types a memory accepts (spec section 1).
///
/// Nothing about a domain is hard-coded in the engine: every record is
/// checked against the ontology in force, and relation cardinalities are what
/// make contradicting facts decidable without an LLM.
public struct Ontology: Sendable, Equatable {
    public var name: String
    public var version: Int
    /// Entity types in the order the ontology declares them.
    public var entityTypes: [EntityType]
    /// Relation types in the order the ontology declares them.
    public var relationTypes: [RelationType]

    public init(name: String, version: Int, entityTypes: [EntityType], relationTypes: [RelationType]) {
        self.name = name
        self.version = version
        self.entityTypes = entityTypes
        self.relationTypes = relationTypes
    }

    /// The entity type named `name`.
    public func entityType(_ name: String) -> EntityType? {
        entityTypes.first(where: { $0.name == name })
    }

    /// The relation type named `name`.
    public func relationType(_ name: String) -> RelationType? {
        relationTypes.first(where: { $0.name == name })
    }

    /// The cardinality of a declared relation type whose facts a later fact may supersede; nil for `many_to_many` or undeclared.
    public func supersedingCardinality(of relation: String) -> Cardinality? {
        guard let cardinality = relationType(relation)?.cardinality, cardinality != .manyToMany else { return nil }
        return cardinality
    }

    /// The declared relation types whose facts a later fact may supersede, with their cardinalities (``supersedingCardinality(of:)``).
    public var supersedingCardinalities: [String: Cardinality] {
        var found: [String: Cardinality] = [:]
        for type in relationTypes { found[type.name] = supersedingCardinality(of: type.name) }
        return found
    }
}

/// A kind of entity (Tractor, Driver, Invoice...) with its natural key and properties.
public struct EntityType: Sendable, Equatable {
    public var name: String
    public var description: String?
    /// The property whose value is the natural key; unique per type.
    public var key: String
    /// Properties in declaration order.
    public var properties: [PropertySpec]

    public init(name: String, description: String?, key: String, properties: [PropertySpec]) {
        self.name = name
        self.description = description
        self.key = key
        self.properties = properties
    }

    /// The property named `name`.
    public func property(_ name: String) -> PropertySpec? {
        properties.first(where: { $0.name == name })
    }
}

/// A declared property of an entity type: its value type and constraints.
public struct PropertySpec: Sendable, Equatable {
    public var name: String
    public var type: PropertyType
    /// A required property can never be unset (it need not appear in every record).
    public var required: Bool
    /// The allowed values of a `string` property, when restricted.
    public var allowedValues: [String]?
    /// Kept for extractors: what an LLM is prompted with.
    public var description: String?

    public init(name: String, type: PropertyType, required: Bool = false, allowedValues: [String]? = nil, description: String? = nil) {
        self.name = name
        self.type = type
        self.required = required
        self.allowedValues = allowedValues
        self.description = description
    }
}

/// The value types a property can have.
public enum PropertyType: String, Sendable, CaseIterable {
    case string, integer, number, boolean, date, datetime, json
}

/// A kind of relation between two entity types, with its cardinality.
public struct RelationType: Sendable, Equatable {
    public var name: String
    public var from: String
    public var to: String
    public var cardinality: Cardinality
    public var description: String?

    public init(name: String, from: String, to: String, cardinality: Cardinality = .manyToMany, description: String? = nil) {
        self.name = name
        self.from = from
        self.to = to
        self.cardinality = cardinality
        self.description = description
    }
}

/// How many relations of one type an entity may hold at once; a newer fact supersedes an older one on a bounded side.
public enum Cardinality: String, Sendable, CaseIterable {
    case manyToMany = "many_to_many"
    case manyToOne = "many_to_one"
    case oneToMany = "one_to_many"
    case oneToOne = "one_to_one"

    /// A newer fact from the same source entity supersedes an older one.
    public var supersedesBySource: Bool { self == .manyToOne || self == .oneToOne }
    /// A newer fact to the same target entity supersedes an older one.
    public var supersedesByTarget: Bool { self == .oneToMany || self == .oneToOne }
}
