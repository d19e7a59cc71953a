/// Turns one parsed JSON line into a ``Record``, checking every rule of spec section 5.
///
/// Lookups into the ontology are prepared once, because a large file is
/// decoded at tens of thousands of lines a second. Values are canonicalised
/// here (a `datetime` becomes UTC, an integral `integer` loses any `.0`) so
/// that the stores compare like with like.
public struct RecordDecoder: Sendable {
    public let ontology: Ontology
    private let entityTypes: [String: PreparedEntityType]
    private let relationTypes: [String: RelationType]

    private struct PreparedEntityType: Sendable {
        let type: EntityType
        let properties: [String: PropertySpec]
    }

    private static let stateFields: Set<String> = ["kind", "entity", "valid_at", "set", "unset", "recorded_at", "source"]
    private static let factFields: Set<String> = ["kind", "type", "from", "to", "valid_at", "invalid_at", "fact", "recorded_at", "source"]
    private static let endFields: Set<String> = ["kind", "type", "from", "to", "invalid_at", "recorded_at", "source"]

    public init(ontology: Ontology) {
        self.ontology = ontology
        var entityTypes: [String: PreparedEntityType] = [:]
        for type in ontology.entityTypes {
            entityTypes[type.name] = PreparedEntityType(type: type, properties: Dictionary(type.properties.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))
        }
        self.entityTypes = entityTypes
        self.relationTypes = Dictionary(ontology.relationTypes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Parses and checks one line of JSON Lines.
    public func decode(line bytes: UnsafeBufferPointer<UInt8>, number: Int) throws(RecordError) -> Record {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw RecordError(line: number, code: "bad_json", message: error.description)
        }
        return try decode(value, line: number)
    }

    /// Checks one record given as a JSON value.
    public func decode(_ value: JSONValue, line: Int) throws(RecordError) -> Record {
        guard case .object(let members) = value else {
            throw RecordError(line: line, code: "bad_record", message: "a record must be a JSON object, not \(value.kindName)")
        }
        if let path = value.pathOfNUL() {
            throw RecordError(line: line, code: "bad_text", message: "\(path) holds the character U+0000 (NUL), which the memory does not store")
        }
        var context = LineContext(line: line, members: members)
        guard let kindValue = context["kind"] else {
            throw context.error("missing_field", "the record has no \"kind\"; expected state, fact or end")
        }
        guard let kind = kindValue.stringValue else {
            throw context.error("unknown_kind", "\"kind\" must be a string: state, fact or end")
        }
        switch kind {
        case "state": return .state(try decodeState(&context))
        case "fact": return .fact(try decodeFact(&context))
        case "end": return .end(try decodeEnd(&context))
        default: throw context.error("unknown_kind", "unknown kind \"\(kind)\"; expected state, fact or end")
        }
    }

    private func decodeState(_ context: inout LineContext) throws(RecordError) -> StateRecord {
        try context.rejectUnknownFields(allowed: Self.stateFields, kind: "state")
        let (entity, prepared) = try entityRef(&context, field: "entity")
        let validAt = try context.requiredTime("valid_at")
        var changes: [PropertyChange] = []
        var named: Set<String> = []
        if let setValue = context["set"], setValue != .null {
            guard case .object(let members) = setValue else {
                throw context.error("bad_record", "\"set\" must be an object of property values, not \(setValue.kindName)")
            }
            for (name, value) in members {
                guard let spec = prepared.properties[name] else {
                    throw context.error("unknown_property", "\(entity.type) has no property \"\(name)\"")
                }
                let canonical = try canonicalValue(value, spec: spec, entityType: entity.type, context: context)
                if name == prepared.type.key, !keyMatches(canonical, key: entity.key) {
                    throw context.error("key_mismatch", "key property \(name) of \(entity) is set to \(canonical), which differs from the entity's key \"\(entity.key)\"")
                }
                changes.append(PropertyChange(property: name, value: canonical))
                named.insert(name)
            }
        }
        if let unsetValue = context["unset"], unsetValue != .null {
            guard case .array(let names) = unsetValue else {
                throw context.error("bad_record", "\"unset\" must be an array of property names, not \(unsetValue.kindName)")
            }
            for nameValue in names {
                guard let name = nameValue.stringValue else {
                    throw context.error("bad_record", "\"unset\" must list property names as strings, not \(nameValue.kindName)")
                }
                guard let spec = prepared.properties[name] else {
                    throw context.error("unknown_property", "\(entity.type) has no property \"\(name)\" to unset")
                }
                guard !spec.required else {
                    throw context.error("unset_required", "property \(name) of \(entity.type) is required and cannot be unset")
                }
                guard !named.contains(name) else {
                    throw context.error("bad_record", "property \(name) is named twice in one record (set and unset, or unset twice)")
                }
                named.insert(name)
                changes.append(PropertyChange(property: name, value: nil))
            }
        }
        guard !changes.isEmpty else {
            throw context.error("empty_state", "a state record must set or unset at least one property")
        }
        return StateRecord(
            entity: entity, validAt: validAt, changes: changes, recordedAt: try context.optionalTime("recorded_at"),
            source: try context.optionalString("source"))
    }

    private func decodeFact(_ context: inout LineContext) throws(RecordError) -> FactRecord {
        try context.rejectUnknownFields(allowed: Self.factFields, kind: "fact")
        let (relation, from, to) = try relationEnds(&context)
        let validAt = try context.requiredTime("valid_at")
        let invalidAt = try context.optionalTime("invalid_at")
        if let invalidAt, invalidAt <= validAt {
            throw context.error("bad_interval", "invalid_at \(invalidAt) is not after valid_at \(validAt)")
        }
        return FactRecord(
            relation: relation.name, from: from, to: to, validAt: validAt, invalidAt: invalidAt, fact: try context.optionalString("fact"),
            recordedAt: try context.optionalTime("recorded_at"), source: try context.optionalString("source"))
    }

    private func decodeEnd(_ context: inout LineContext) throws(RecordError) -> EndRecord {
        try context.rejectUnknownFields(allowed: Self.endFields, kind: "end")
        let (relation, from, to) = try relationEnds(&context)
        return EndRecord(
            relation: relation.name, from: from, to: to, invalidAt: try context.requiredTime("invalid_at"),
            recordedAt: try context.optionalTime("recorded_at"), source: try context.optionalString("source"))
    }

    private func relationEnds(_ context: inout LineContext) throws(RecordError) -> (RelationType, EntityRef, EntityRef) {
        guard let typeValue = context["type"] else {
            throw context.error("missing_field", "the record has no \"type\" (the relation type)")
        }
        guard let name = typeValue.stringValue else {
            throw context.error("unknown_relation_type", "\"type\" must be a relation type name, not \(typeValue.kindName)")
        }
        guard let relation = relationTypes[name] else {
            throw context.error("unknown_relation_type", "unknown relation type \"\(name)\"")
        }
        let (from, _) = try entityRef(&context, field: "from")
        let (to, _) = try entityRef(&context, field: "to")
        if from.type != relation.from {
            throw context.error("wrong_end_type", "\(name) goes from \(relation.from), but \"from\" is a \(from.type)")
        }
        if to.type != relation.to {
            throw context.error("wrong_end_type", "\(name) goes to \(relation.to), but \"to\" is a \(to.type)")
        }
        return (relation, from, to)
    }

    private func entityRef(_ context: inout LineContext, field: String) throws(RecordError) -> (EntityRef, PreparedEntityType) {
        guard let value = context[field] else {
            throw context.error("missing_field", "the record has no \"\(field)\"")
        }
        guard case .object(let members) = value else {
            throw context.error("bad_entity", "\"\(field)\" must be an object {\"type\": ..., \"key\": ...}, not \(value.kindName)")
        }
        for (name, _) in members where name != "type" && name != "key" {
            throw context.error("bad_entity", "\"\(field)\" has unknown field \"\(name)\"; an entity reference has type and key")
        }
        guard let typeName = value["type"]?.stringValue else {
            throw context.error("bad_entity", "\"\(field)\" has no entity type string")
        }
        guard let prepared = entityTypes[typeName] else {
            throw context.error("unknown_entity_type", "unknown entity type \"\(typeName)\" in \"\(field)\"")
        }
        let key: String
        switch value["key"] {
        case .string(let text)? where !text.isEmpty: key = text
        case .integer(let integer)?: key = String(integer)
        default: throw context.error("bad_entity", "\"\(field)\" needs a non-empty \"key\" string")
        }
        if prepared.properties[prepared.type.key]?.type == .integer, Int64(key) == nil {
            throw context.error("bad_entity", "the key of \(typeName) is the integer property \(prepared.type.key), but \"\(key)\" is not an integer")
        }
        return (EntityRef(type: typeName, key: key), prepared)
    }

    private func keyMatches(_ canonical: String, key: String) -> Bool {
        if canonical == key { return true }
        return (try? JSONParser.parse(canonical))?.stringValue == key
    }

    private func canonicalValue(_ value: JSONValue, spec: PropertySpec, entityType: String, context: LineContext) throws(RecordError) -> String {
        let property = "property \(spec.name) of \(entityType)"
        func wrongType() -> RecordError {
            context.error("wrong_value_type", "\(property) has type \(spec.type.rawValue), but the value is \(value.kindName)")
        }
        if value == .null {
            throw context.error("wrong_value_type", "\(property) is set to null; list it in \"unset\" to remove its value")
        }
        switch spec.type {
        case .string:
            guard let text = value.stringValue else { throw wrongType() }
            if let allowed = spec.allowedValues, !allowed.contains(text) {
                throw context.error("not_in_enum", "\(property) must be one of \(allowed.joined(separator: ", ")), not \"\(text)\"")
            }
            return JSONWriter.string(value)
        case .integer:
            switch value {
            case .integer(let integer): return String(integer)
            case .number(let double) where double == double.rounded() && abs(double) < 9.2e18: return String(Int64(double))
            default: throw wrongType()
            }
        case .number:
            switch value {
            case .integer, .number: return JSONWriter.string(value)
            default: throw wrongType()
            }
        case .boolean:
            guard case .bool = value else { throw wrongType() }
            return JSONWriter.string(value)
        case .date:
            guard let text = value.stringValue else { throw wrongType() }
            guard let date = CivilDate.parse(text) else {
                throw context.error("bad_date", "\(property) must be a date YYYY-MM-DD, not \"\(text)\"")
            }
            return JSONWriter.string(.string(date.iso8601))
        case .datetime:
            guard let text = value.stringValue else { throw wrongType() }
            guard let time = Timestamp.parse(text) else {
                throw context.error("bad_timestamp", "\(property) must be an RFC 3339 date-time, not \"\(text)\"")
            }
            return JSONWriter.string(.string(time.rfc3339))
        case .json:
            return JSONWriter.string(value)
        }
    }
}

/// The members of the record being decoded, and its line number for errors.
private struct LineContext {
    let line: Int
    let members: [(String, JSONValue)]

    subscript(name: String) -> JSONValue? {
        members.first(where: { $0.0 == name })?.1
    }

    func error(_ code: String, _ message: String) -> RecordError {
        RecordError(line: line, code: code, message: message)
    }

    func rejectUnknownFields(allowed: Set<String>, kind: String) throws(RecordError) {
        for (name, _) in members where !allowed.contains(name) {
            throw error("unknown_field", "a \(kind) record has no field \"\(name)\"; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    func requiredTime(_ field: String) throws(RecordError) -> Timestamp {
        guard let time = try optionalTime(field) else {
            throw error("missing_field", "the record has no \"\(field)\"")
        }
        return time
    }

    func optionalTime(_ field: String) throws(RecordError) -> Timestamp? {
        guard let value = self[field], value != .null else { return nil }
        guard let text = value.stringValue else {
            throw error("bad_timestamp", "\"\(field)\" must be an RFC 3339 string, not \(value.kindName)")
        }
        guard let time = Timestamp.parse(text) else {
            throw error("bad_timestamp", "\"\(field)\" is not an RFC 3339 date-time: \"\(text)\"")
        }
        return time
    }

    func optionalString(_ field: String) throws(RecordError) -> String? {
        guard let value = self[field], value != .null else { return nil }
        guard let text = value.stringValue else {
            throw error("bad_record", "\"\(field)\" must be a string, not \(value.kindName)")
        }
        return text
    }
}
