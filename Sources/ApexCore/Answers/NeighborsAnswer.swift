/// Which relations a traversal follows, seen from the entity it leaves.
public enum TraversalDirection: String, Sendable, CaseIterable {
    /// Relations the entity is the source of.
    case outgoing
    /// Relations the entity is the target of.
    case incoming
    /// Both.
    case both

    /// Whether a relation from `from` to `to` may be followed when leaving `entity`.
    public func allows(from: EntityID, to: EntityID, leaving entity: EntityID) -> Bool {
        switch self {
        case .both: from == entity || to == entity
        case .outgoing: from == entity
        case .incoming: to == entity
        }
    }
}

/// An entity a traversal reached, how far from the start, and the relation that first reached it.
public struct Neighbor: Sendable, Equatable {
    public var entity: EntityHandle
    /// Hops from the start (1 for a direct neighbour).
    public var depth: Int
    /// The entity it was reached from.
    public var parent: EntityHandle
    /// The relation instance, valid at the query's times, that links `parent` and `entity`.
    public var via: RelationInstance

    public init(entity: EntityHandle, depth: Int, parent: EntityHandle, via: RelationInstance) {
        self.entity = entity
        self.depth = depth
        self.parent = parent
        self.via = via
    }
}

/// The answer to "which entities were linked to E at `at`, as known at `knownAt`, within `depth` hops".
///
/// Each hop follows only relation instances valid at (`at`, `knownAt`) by the
/// rules of spec section 3 (explicit ends and cardinality supersession), so a
/// neighbour two hops away was linked through an entity that was itself a
/// neighbour at that time. Every entity appears once, at its smallest depth.
public struct NeighborsAnswer: Sendable, Equatable {
    public var entity: EntityHandle
    public var at: Timestamp
    public var knownAt: Timestamp
    public var depth: Int
    public var direction: TraversalDirection
    /// The relation types followed; nil for all.
    public var relations: [String]?
    /// Ordered by depth, then type and key.
    public var neighbors: [Neighbor]

    public init(
        entity: EntityHandle, at: Timestamp, knownAt: Timestamp, depth: Int, direction: TraversalDirection, relations: [String]?,
        neighbors: [Neighbor]
    ) {
        self.entity = entity
        self.at = at
        self.knownAt = knownAt
        self.depth = depth
        self.direction = direction
        self.relations = relations
        self.neighbors = neighbors
    }

    /// The JSON document the CLI prints and the HTTP API returns.
    public var json: JSONValue {
        .object([
            ("entity", AnswerJSON.entity(entity, withID: true)),
            ("at", .string(at.rfc3339)),
            ("known_at", .string(knownAt.rfc3339)),
            ("depth", .integer(Int64(depth))),
            ("direction", .string(direction.rawValue)),
            ("relations", relations.map { .array($0.map(JSONValue.string)) } ?? .null),
            ("neighbors", .array(neighbors.map { neighbor in
                .object([
                    ("entity", AnswerJSON.entity(neighbor.entity, withID: true)),
                    ("depth", .integer(Int64(neighbor.depth))),
                    ("from", AnswerJSON.entity(neighbor.parent, withID: false)),
                    ("via", AnswerJSON.relation(neighbor.via, seenFrom: neighbor.parent.id, detailed: false)),
                ])
            })),
        ])
    }
}

/// The history of the relations between two entities, as known at `knownAt`: every instance, in either direction.
public struct RelationsBetweenAnswer: Sendable, Equatable {
    public var entity: EntityHandle
    public var other: EntityHandle
    public var knownAt: Timestamp
    /// Every instance between the two, ordered by valid time, with when and why each ended.
    public var relations: [RelationInstance]

    public init(entity: EntityHandle, other: EntityHandle, knownAt: Timestamp, relations: [RelationInstance]) {
        self.entity = entity
        self.other = other
        self.knownAt = knownAt
        self.relations = relations
    }

    /// The JSON document the CLI prints and the HTTP API returns.
    public var json: JSONValue {
        .object([
            ("entity", AnswerJSON.entity(entity, withID: true)),
            ("other", AnswerJSON.entity(other, withID: true)),
            ("known_at", .string(knownAt.rfc3339)),
            ("relations", .array(relations.map { AnswerJSON.relation($0, seenFrom: entity.id, detailed: true) })),
        ])
    }
}
