import ApexCore
import ApexPorts

/// The JSON lines of an export, written straight into a byte buffer (no JSON tree per line).
///
/// Property values are stored as canonical JSON text and are copied as they are.
enum DumpLines {
    /// `{"id":...,"type":...,"key":...}`
    static func entity(_ handle: EntityHandle, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"id":""#.utf8)
        out.append(contentsOf: handle.id.description.utf8)
        out.append(contentsOf: #"","type":"#.utf8)
        JSONWriter.write(.string(handle.ref.type), to: &out)
        out.append(contentsOf: #","key":"#.utf8)
        JSONWriter.write(.string(handle.ref.key), to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// One `state` record holding every version of `versions` (same entity, `valid_at`, `recorded_at` and source).
    static func state(_ ref: EntityRef, _ versions: ArraySlice<DumpedVersion>, to out: inout [UInt8]) {
        guard let first = versions.first else { return }
        out.append(contentsOf: #"{"kind":"state","entity":"#.utf8)
        self.ref(ref, to: &out)
        time("valid_at", first.version.validAt, to: &out)
        let set = versions.filter { $0.version.value != nil }
        let unset = versions.filter { $0.version.value == nil }
        out.append(contentsOf: #","set":{"#.utf8)
        for (index, version) in set.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.write(.string(version.version.property), to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: (version.version.value ?? "null").utf8)
        }
        out.append(UInt8(ascii: "}"))
        if !unset.isEmpty {
            out.append(contentsOf: #","unset":["#.utf8)
            for (index, version) in unset.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.write(.string(version.version.property), to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        time("recorded_at", first.version.recordedAt, to: &out)
        source(first.source, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    static func fact(_ dumped: DumpedFact, to out: inout [UInt8]) {
        let fact = dumped.fact
        out.append(contentsOf: #"{"kind":"fact","type":"#.utf8)
        JSONWriter.write(.string(fact.relation), to: &out)
        out.append(contentsOf: #","from":"#.utf8)
        ref(fact.from.ref, to: &out)
        out.append(contentsOf: #","to":"#.utf8)
        ref(fact.to.ref, to: &out)
        time("valid_at", fact.validAt, to: &out)
        if let invalidAt = fact.invalidAt { time("invalid_at", invalidAt, to: &out) }
        if let text = fact.fact {
            out.append(contentsOf: #","fact":"#.utf8)
            JSONWriter.write(.string(text), to: &out)
        }
        time("recorded_at", fact.recordedAt, to: &out)
        source(dumped.source, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    static func end(_ dumped: DumpedEnd, from: EntityRef, to target: EntityRef, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"kind":"end","type":"#.utf8)
        JSONWriter.write(.string(dumped.end.relation), to: &out)
        out.append(contentsOf: #","from":"#.utf8)
        ref(from, to: &out)
        out.append(contentsOf: #","to":"#.utf8)
        ref(target, to: &out)
        time("invalid_at", dumped.end.invalidAt, to: &out)
        time("recorded_at", dumped.end.recordedAt, to: &out)
        source(dumped.source, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// A document with its mentions (ids) and, when exported, its chunks' offsets and vectors.
    static func document(_ dumped: DumpedDocument) -> JSONValue {
        let record = dumped.record
        var members: [(String, JSONValue)] = [
            ("id", .string(record.id.description)), ("title", .string(record.title)), ("content", .string(record.content)),
            ("metadata", record.metadata), ("source", record.source.map(JSONValue.string) ?? .null),
            ("reference_time", record.referenceTime.map { .string($0.rfc3339) } ?? .null), ("recorded_at", .string(record.recordedAt.rfc3339)),
            ("mentions", .array(dumped.mentions.map { .string($0.description) })),
        ]
        if !dumped.chunks.isEmpty {
            members.append(
                (
                    "chunks",
                    .array(
                        dumped.chunks.map { chunk in
                            .object([
                                ("start", .integer(Int64(chunk.start))), ("end", .integer(Int64(chunk.end))),
                                ("embedding", .array(chunk.embedding.map { .number(Double($0)) })),
                            ])
                        })
                ))
        }
        return .object(members)
    }

    private static func ref(_ ref: EntityRef, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"type":"#.utf8)
        JSONWriter.write(.string(ref.type), to: &out)
        out.append(contentsOf: #","key":"#.utf8)
        JSONWriter.write(.string(ref.key), to: &out)
        out.append(UInt8(ascii: "}"))
    }

    private static func time(_ name: String, _ time: Timestamp, to out: inout [UInt8]) {
        out.append(contentsOf: ",\"\(name)\":\"".utf8)
        out.append(contentsOf: time.rfc3339.utf8)
        out.append(UInt8(ascii: "\""))
    }

    private static func source(_ source: String?, to out: inout [UInt8]) {
        guard let source else { return }
        out.append(contentsOf: #","source":"#.utf8)
        JSONWriter.write(.string(source), to: &out)
    }
}
