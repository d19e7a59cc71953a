/// The answer to "what was true about E at `at`, as known at `knownAt`" (spec section 4).
public struct StateAnswer: Sendable, Equatable {
    public var entity: EntityHandle
    public var at: Timestamp
    public var knownAt: Timestamp
    /// Property values in ontology order, as canonical JSON text.
    public var properties: [(String, String)]
    /// Relation instances valid at (`at`, `knownAt`) in which the entity takes part.
    public var relations: [RelationInstance]

    public init(entity: EntityHandle, at: Timestamp, knownAt: Timestamp, properties: [(String, String)], relations: [RelationInstance]) {
        self.entity = entity
        self.at = at
        self.knownAt = knownAt
        self.properties = properties
        self.relations = relations
    }

    public static func == (lhs: StateAnswer, rhs: StateAnswer) -> Bool {
        lhs.entity == rhs.entity && lhs.at == rhs.at && lhs.knownAt == rhs.knownAt && lhs.relations == rhs.relations
            && lhs.properties.elementsEqual(rhs.properties, by: { $0 == $1 })
    }

    /// The JSON document the CLI prints and the HTTP API returns.
    public var json: JSONValue {
        .object([
            ("entity", AnswerJSON.entity(entity, withID: true)),
            ("at", .string(at.rfc3339)),
            ("known_at", .string(knownAt.rfc3339)),
            ("properties", .object(properties.map { ($0.0, AnswerJSON.value($0.1)) })),
            ("relations", .array(relations.map { AnswerJSON.relation($0, seenFrom: entity.id, detailed: false) })),
        ])
    }
}

/// The timeline of one property of an entity (spec section 4).
public struct TimelineAnswer: Sendable, Equatable {
    public var entity: EntityHandle
    public var property: String
    public var knownAt: Timestamp
    public var events: [TimelineEvent]

    public init(entity: EntityHandle, property: String, knownAt: Timestamp, events: [TimelineEvent]) {
        self.entity = entity
        self.property = property
        self.knownAt = knownAt
        self.events = events
    }

    /// The JSON document the CLI prints and the HTTP API returns.
    public var json: JSONValue {
        .object([
            ("entity", AnswerJSON.entity(entity, withID: true)),
            ("property", .string(property)),
            ("known_at", .string(knownAt.rfc3339)),
            ("events", .array(events.map(AnswerJSON.event))),
        ])
    }
}

/// Every property event and relation interval of an entity, in valid-time order.
public struct HistoryAnswer: Sendable, Equatable {
    public var entity: EntityHandle
    public var knownAt: Timestamp
    /// Property timelines, by property.
    public var properties: [(String, [TimelineEvent])]
    public var relations: [RelationInstance]
    /// Documents that mention the entity (id and title).
    public var documents: [(EntityID, String)]

    public init(
        entity: EntityHandle, knownAt: Timestamp, properties: [(String, [TimelineEvent])], relations: [RelationInstance],
        documents: [(EntityID, String)] = []
    ) {
        self.entity = entity
        self.knownAt = knownAt
        self.properties = properties
        self.relations = relations
        self.documents = documents
    }

    public static func == (lhs: HistoryAnswer, rhs: HistoryAnswer) -> Bool {
        lhs.entity == rhs.entity && lhs.knownAt == rhs.knownAt && lhs.relations == rhs.relations
            && lhs.properties.elementsEqual(rhs.properties, by: { $0.0 == $1.0 && $0.1 == $1.1 })
            && lhs.documents.elementsEqual(rhs.documents, by: { $0.0 == $1.0 && $0.1 == $1.1 })
    }

    /// The JSON document: `events` merges both kinds, ordered by `valid_at`, property events first on a tie.
    public var json: JSONValue {
        var merged: [(Timestamp, Int, String, JSONValue)] = []
        for (property, events) in properties {
            for event in events {
                guard case .object(var members) = AnswerJSON.event(event) else { continue }
                members.insert(("kind", "property"), at: 0)
                members.insert(("property", .string(property)), at: 1)
                merged.append((event.validAt, 0, property, .object(members)))
            }
        }
        for relation in relations {
            guard case .object(var members) = AnswerJSON.relation(relation, seenFrom: entity.id, detailed: true) else { continue }
            members.insert(("kind", "relation"), at: 0)
            merged.append((relation.validAt, 1, relation.relation, .object(members)))
        }
        merged.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        return .object([
            ("entity", AnswerJSON.entity(entity, withID: true)),
            ("known_at", .string(knownAt.rfc3339)),
            ("events", .array(merged.map(\.3))),
            ("documents", .array(documents.map { .object([("id", .string($0.0.description)), ("title", .string($0.1))]) })),
        ])
    }
}

/// The JSON shapes shared by the answers.
enum AnswerJSON {
    static func entity(_ handle: EntityHandle, withID: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", .string(handle.ref.type)), ("key", .string(handle.ref.key))]
        if withID { members.append(("id", .string(handle.id.description))) }
        return .object(members)
    }

    static func value(_ canonical: String?) -> JSONValue {
        guard let canonical else { return .null }
        return (try? JSONParser.parse(canonical)) ?? .string(canonical)
    }

    static func time(_ timestamp: Timestamp?) -> JSONValue {
        timestamp.map { .string($0.rfc3339) } ?? .null
    }

    static func event(_ event: TimelineEvent) -> JSONValue {
        .object([
            ("value", value(event.value)),
            ("valid_at", .string(event.validAt.rfc3339)),
            ("valid_to", time(event.validTo)),
            ("recorded_at", .string(event.recordedAt.rfc3339)),
        ])
    }

    static func relation(_ instance: RelationInstance, seenFrom id: EntityID, detailed: Bool) -> JSONValue {
        let outgoing = instance.from.id == id
        var members: [(String, JSONValue)] = [
            ("type", .string(instance.relation)),
            ("direction", .string(outgoing ? "outgoing" : "incoming")),
            ("entity", entity(outgoing ? instance.to : instance.from, withID: false)),
            ("valid_at", .string(instance.validAt.rfc3339)),
        ]
        if detailed {
            members.append(("invalid_at", time(instance.effectiveEnd)))
            members.append(("ended_by", .optional(instance.endReason)))
            members.append(("fact", .optional(instance.fact)))
            members.append(("recorded_at", .string(instance.recordedAt.rfc3339)))
        } else {
            members.append(("invalid_at", time(instance.explicitEnd)))
        }
        return .object(members)
    }
}
