import Yams

/// Reads an ontology from YAML (or JSON, which YAML includes) and checks it.
///
/// Every mistake is reported with the line it is on: unknown fields, missing
/// names, a key that is not a declared property, relations to undeclared
/// types, unknown property types or cardinalities.
public enum OntologyLoader {
    /// Parses and validates `text`.
    public static func load(_ text: String) throws(OntologyError) -> Ontology {
        guard !text.containsNUL else { throw OntologyError(line: nil, message: "the document holds the character U+0000 (NUL)") }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw OntologyError(line: Self.line(of: error), message: "not valid YAML (\(Self.reason(of: error)))")
        }
        if let root, let text = Self.firstScalarWithNUL(root)?.string {
            // libyaml's marks are not reliable past an escaped NUL: name the text instead of a line.
            let shown = text.replacingOccurrences(of: "\u{0}", with: "\\u0000")
            throw OntologyError(line: nil, message: "the text \"\(shown)\" holds the character U+0000 (NUL), which the memory does not store")
        }
        guard let root, let mapping = root.mapping else {
            throw OntologyError(line: root?.mark?.line, message: "the document must be a mapping with name, version, entity_types and relation_types")
        }
        let fields = try Fields(mapping, context: "the ontology", allowed: ["name", "version", "description", "entity_types", "relation_types"])
        let name = try fields.requiredString("name")
        let version = try fields.requiredInteger("version")
        var entityTypes: [EntityType] = []
        if let typesNode = fields["entity_types"] {
            for (nameNode, body) in try Fields.pairs(typesNode, context: "entity_types") {
                let typeName = try Fields.identifier(nameNode, context: "an entity type name")
                entityTypes.append(try loadEntityType(typeName, body))
            }
        }
        guard !entityTypes.isEmpty else {
            throw OntologyError(line: fields["entity_types"]?.mark?.line ?? mapping.mark?.line, message: "entity_types must declare at least one entity type")
        }
        var relationTypes: [RelationType] = []
        if let relationsNode = fields["relation_types"], !Fields.isNull(relationsNode) {
            for (nameNode, body) in try Fields.pairs(relationsNode, context: "relation_types") {
                let relationName = try Fields.identifier(nameNode, context: "a relation type name")
                relationTypes.append(try loadRelationType(relationName, body, entityTypes: entityTypes))
            }
        }
        return Ontology(name: name, version: version, entityTypes: entityTypes, relationTypes: relationTypes)
    }

    /// The first scalar (a name or a value) whose text holds U+0000, as a YAML escape can write it.
    private static func firstScalarWithNUL(_ node: Node) -> Node? {
        switch node {
        case .scalar(let scalar): return scalar.string.containsNUL ? node : nil
        case .mapping(let mapping):
            for (key, value) in mapping {
                if let found = firstScalarWithNUL(key) ?? firstScalarWithNUL(value) { return found }
            }
            return nil
        case .sequence(let sequence):
            for item in sequence {
                if let found = firstScalarWithNUL(item) { return found }
            }
            return nil
        case .alias: return nil
        }
    }

    private static func loadEntityType(_ name: String, _ node: Node) throws(OntologyError) -> EntityType {
        guard let mapping = node.mapping else {
            throw OntologyError(line: node.mark?.line, message: "entity type \(name) must be a mapping with key and properties")
        }
        let fields = try Fields(mapping, context: "entity type \(name)", allowed: ["description", "key", "properties"])
        let key = try fields.requiredString("key")
        var properties: [PropertySpec] = []
        guard let propertiesNode = fields["properties"] else {
            throw OntologyError(line: mapping.mark?.line, message: "entity type \(name) has no properties; it needs at least its key property \(key)")
        }
        for (nameNode, body) in try Fields.pairs(propertiesNode, context: "the properties of \(name)") {
            let propertyName = try Fields.identifier(nameNode, context: "a property name of \(name)")
            properties.append(try loadProperty(propertyName, of: name, body))
        }
        guard let keyProperty = properties.first(where: { $0.name == key }) else {
            throw OntologyError(line: fields["key"]?.mark?.line, message: "the key of \(name) is \(key), which is not one of its properties")
        }
        guard keyProperty.type == .string || keyProperty.type == .integer else {
            throw OntologyError(line: fields["key"]?.mark?.line, message: "the key property \(key) of \(name) must be a string or an integer, not \(keyProperty.type.rawValue)")
        }
        return EntityType(name: name, description: try fields.optionalString("description"), key: key, properties: properties)
    }

    private static func loadProperty(_ name: String, of typeName: String, _ node: Node) throws(OntologyError) -> PropertySpec {
        let context = "property \(name) of \(typeName)"
        if let scalar = node.scalar {
            return PropertySpec(name: name, type: try propertyType(scalar.string, line: scalar.mark?.line, context: context))
        }
        guard let mapping = node.mapping else {
            throw OntologyError(line: node.mark?.line, message: "\(context) must be a type name or a mapping with type")
        }
        let fields = try Fields(mapping, context: context, allowed: ["type", "required", "enum", "description"])
        let type = try propertyType(try fields.requiredString("type"), line: fields["type"]?.mark?.line, context: context)
        var allowed: [String]?
        if let enumNode = fields["enum"] {
            guard type == .string else {
                throw OntologyError(line: enumNode.mark?.line, message: "\(context) has an enum but is of type \(type.rawValue); only string properties take an enum")
            }
            guard case .sequence(let sequence) = enumNode, !sequence.isEmpty else {
                throw OntologyError(line: enumNode.mark?.line, message: "the enum of \(context) must be a non-empty list of strings")
            }
            var values: [String] = []
            for item in sequence {
                guard let scalar = item.scalar else {
                    throw OntologyError(line: item.mark?.line, message: "the enum of \(context) must list strings only")
                }
                values.append(scalar.string)
            }
            allowed = values
        }
        return PropertySpec(
            name: name, type: type, required: try fields.optionalBool("required") ?? false, allowedValues: allowed,
            description: try fields.optionalString("description"))
    }

    private static func propertyType(_ text: String, line: Int?, context: String) throws(OntologyError) -> PropertyType {
        guard let type = PropertyType(rawValue: text) else {
            let known = PropertyType.allCases.map(\.rawValue).joined(separator: ", ")
            throw OntologyError(line: line, message: "\(context) has unknown type \"\(text)\"; expected one of \(known)")
        }
        return type
    }

    private static func loadRelationType(_ name: String, _ node: Node, entityTypes: [EntityType]) throws(OntologyError) -> RelationType {
        guard let mapping = node.mapping else {
            throw OntologyError(line: node.mark?.line, message: "relation type \(name) must be a mapping with from, to and cardinality")
        }
        let fields = try Fields(mapping, context: "relation type \(name)", allowed: ["from", "to", "cardinality", "description"])
        let from = try fields.requiredString("from")
        let to = try fields.requiredString("to")
        for (end, typeName) in [("from", from), ("to", to)] where !entityTypes.contains(where: { $0.name == typeName }) {
            throw OntologyError(line: fields[end]?.mark?.line, message: "relation type \(name) has \(end): \(typeName), which is not a declared entity type")
        }
        var cardinality = Cardinality.manyToMany
        if let text = try fields.optionalString("cardinality") {
            guard let parsed = Cardinality(rawValue: text) else {
                let known = Cardinality.allCases.map(\.rawValue).joined(separator: ", ")
                throw OntologyError(line: fields["cardinality"]?.mark?.line, message: "relation type \(name) has unknown cardinality \"\(text)\"; expected one of \(known)")
            }
            cardinality = parsed
        }
        return RelationType(name: name, from: from, to: to, cardinality: cardinality, description: try fields.optionalString("description"))
    }

    private static func line(of error: any Error) -> Int? {
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
            default: return nil
            }
        }
        return nil
    }

    private static func reason(of error: any Error) -> String {
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
            default: break
            }
        }
        return "unreadable document"
    }
}

/// The fields of one YAML mapping, checked against the names allowed there.
private struct Fields {
    let values: [String: Node]
    let context: String
    let line: Int?

    init(_ mapping: Node.Mapping, context: String, allowed: Set<String>) throws(OntologyError) {
        var values: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw OntologyError(line: keyNode.mark?.line, message: "\(context) has a field name that is not text")
            }
            guard allowed.contains(key) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw OntologyError(line: keyNode.mark?.line, message: "\(context) has unknown field \"\(key)\"; expected one of \(known)")
            }
            guard values[key] == nil else {
                throw OntologyError(line: keyNode.mark?.line, message: "\(context) has field \"\(key)\" twice")
            }
            values[key] = value
        }
        self.values = values
        self.context = context
        self.line = mapping.mark?.line
    }

    subscript(name: String) -> Node? { values[name] }

    static func isNull(_ node: Node) -> Bool {
        node.scalar.map { $0.style == .plain && ["", "~", "null", "Null", "NULL"].contains($0.string) } ?? false
    }

    static func pairs(_ node: Node, context: String) throws(OntologyError) -> [(Node, Node)] {
        guard let mapping = node.mapping else {
            throw OntologyError(line: node.mark?.line, message: "\(context) must be a mapping of names to definitions")
        }
        return mapping.map { ($0.key, $0.value) }
    }

    static func identifier(_ node: Node, context: String) throws(OntologyError) -> String {
        guard let text = node.scalar?.string, !text.isEmpty,
            text.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" || $0 == "-" })
        else {
            throw OntologyError(line: node.mark?.line, message: "\(context) must be a non-empty name of letters, digits, '_' or '-'")
        }
        return text
    }

    func requiredString(_ name: String) throws(OntologyError) -> String {
        guard let value = try optionalString(name) else {
            throw OntologyError(line: line, message: "\(context) has no \(name)")
        }
        return value
    }

    func optionalString(_ name: String) throws(OntologyError) -> String? {
        guard let node = values[name], !Fields.isNull(node) else { return nil }
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            throw OntologyError(line: node.mark?.line, message: "\(name) of \(context) must be a non-empty text")
        }
        return scalar.string
    }

    func requiredInteger(_ name: String) throws(OntologyError) -> Int {
        guard let node = values[name] else { throw OntologyError(line: line, message: "\(context) has no \(name)") }
        guard let scalar = node.scalar, scalar.style == .plain, let value = Int(scalar.string) else {
            throw OntologyError(line: node.mark?.line, message: "\(name) of \(context) must be an integer")
        }
        return value
    }

    func optionalBool(_ name: String) throws(OntologyError) -> Bool? {
        guard let node = values[name] else { return nil }
        guard let scalar = node.scalar, scalar.style == .plain, let value = node.bool else {
            throw OntologyError(line: node.mark?.line, message: "\(name) of \(context) must be true or false")
        }
        _ = scalar
        return value
    }
}
