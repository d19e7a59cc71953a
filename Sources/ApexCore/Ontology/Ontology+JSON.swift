extension Ontology {
    /// The ontology as JSON, in the shape of its YAML (what `GET /api/v1/ontology` returns).
    public var json: JSONValue {
        .object([
            ("name", .string(name)),
            ("version", .integer(Int64(version))),
            ("entity_types", .object(entityTypes.map { ($0.name, $0.json) })),
            ("relation_types", .object(relationTypes.map { ($0.name, $0.json) })),
        ])
    }
}

extension EntityType {
    var json: JSONValue {
        var members: [(String, JSONValue)] = []
        if let description { members.append(("description", .string(description))) }
        members.append(("key", .string(key)))
        members.append(("properties", .object(properties.map { ($0.name, $0.json) })))
        return .object(members)
    }
}

extension PropertySpec {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [("type", .string(type.rawValue))]
        if required { members.append(("required", true)) }
        if let allowedValues { members.append(("enum", .array(allowedValues.map(JSONValue.string)))) }
        if let description { members.append(("description", .string(description))) }
        return .object(members)
    }
}

extension RelationType {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [("from", .string(from)), ("to", .string(to)), ("cardinality", .string(cardinality.rawValue))]
        if let description { members.append(("description", .string(description))) }
        return .object(members)
    }
}
