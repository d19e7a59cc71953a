public import ApexCore
public import ApexPorts

/// A move's state as the JSON text its store keeps (and `apex move status` prints).
extension MoveState {
    public var json: JSONValue {
        func time(_ value: Timestamp?) -> JSONValue { value.map { .string($0.rfc3339) } ?? .null }
        return .object([
            ("id", .string(id.description)), ("phase", .string(phase.rawValue)),
            (
                "target",
                .object([
                    ("data", target.data.map(JSONValue.string) ?? .null), ("database_url", target.databaseURL.map(JSONValue.string) ?? .null),
                    ("graph_url", target.graphURL.map(JSONValue.string) ?? .null),
                ])
            ),
            ("started_at", time(startedAt)), ("dual_write_from", time(dualWriteFrom)),
            (
                "backfill",
                .object([
                    ("after", backfill.after.map { .string($0.description) } ?? .null), ("entities", .integer(Int64(backfill.entities))),
                    ("records", .integer(Int64(backfill.records))), ("documents", .integer(Int64(backfill.documents))),
                    ("entities_done", .bool(backfill.entitiesDone)),
                    ("documents_after", backfill.documentsAfter.map { .string($0.description) } ?? .null), ("done", .bool(backfill.done)), ("seconds", .number(backfill.seconds)),
                ])
            ),
            ("read_percent", .integer(Int64(readPercent))), ("verified_at", time(verifiedAt)), ("mirror_failures", .integer(Int64(mirrorFailures))),
            ("canary_mismatches", .integer(Int64(canaryMismatches))),
            ("history", .array(history.map { .object([("phase", .string($0.phase.rawValue)), ("at", .string($0.at.rfc3339))]) })),
        ])
    }

    /// Reads the stored text; nil when it is not a move's state (a newer apex's, or damaged).
    public init?(json: JSONValue) {
        func time(_ value: JSONValue?) -> Timestamp? { value?.stringValue.flatMap(Timestamp.parse) }
        guard let id = json["id"]?.stringValue.flatMap(EntityID.init), let phase = json["phase"]?.stringValue.flatMap(MovePhase.init(rawValue:)),
            let startedAt = time(json["started_at"]), let dualWriteFrom = time(json["dual_write_from"]), let target = json["target"]
        else { return nil }
        self.init(
            id: id, target: MoveTarget(data: target["data"]?.stringValue, databaseURL: target["database_url"]?.stringValue, graphURL: target["graph_url"]?.stringValue),
            startedAt: startedAt)
        self.phase = phase
        self.dualWriteFrom = dualWriteFrom
        if let backfill = json["backfill"] {
            self.backfill.after = backfill["after"]?.stringValue.flatMap(EntityID.init)
            self.backfill.entities = Int(backfill["entities"]?.integerValue ?? 0)
            self.backfill.records = Int(backfill["records"]?.integerValue ?? 0)
            self.backfill.documents = Int(backfill["documents"]?.integerValue ?? 0)
            self.backfill.entitiesDone = backfill["entities_done"]?.boolValue ?? false
            self.backfill.documentsAfter = backfill["documents_after"]?.stringValue.flatMap(EntityID.init)
            self.backfill.done = backfill["done"]?.boolValue ?? false
            self.backfill.seconds = backfill["seconds"]?.doubleValue ?? 0
        }
        self.readPercent = Int(json["read_percent"]?.integerValue ?? 0)
        self.verifiedAt = time(json["verified_at"])
        self.mirrorFailures = Int(json["mirror_failures"]?.integerValue ?? 0)
        self.canaryMismatches = Int(json["canary_mismatches"]?.integerValue ?? 0)
        self.history = (json["history"]?.arrayValue ?? []).compactMap { entry in
            guard let phase = entry["phase"]?.stringValue.flatMap(MovePhase.init(rawValue:)), let at = time(entry["at"]) else { return nil }
            return (phase, at)
        }
    }

    /// The state's text, as stored.
    public var text: String { JSONWriter.string(json) }

    /// Parses stored text.
    public static func parse(_ stored: StoredMoveState) throws(MoveError) -> MoveState {
        guard let json = try? JSONParser.parse(stored.state), let state = MoveState(json: json) else { throw .unreadableState }
        return state
    }
}

extension JSONValue {
    var doubleValue: Double? {
        switch self {
        case .number(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }
}
