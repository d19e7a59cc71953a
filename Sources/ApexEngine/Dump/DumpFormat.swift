public import ApexCore
public import ApexPorts
import Foundation

/// The layout of an export directory (docs/moving.md): what `apex export` writes and `apex import` reads.
///
/// `records.jsonl` is a record file of the spec, every version with its
/// `recorded_at` and `source`, so `apex ingest` reads it too; `entities.jsonl`
/// keeps the ids, so that ids survive a move; `manifest.json` is written last,
/// so that a directory without one is an export that did not finish.
public enum DumpFormat {
    public static let name = "apex-export"
    public static let version = 1
    public static let manifestFile = "manifest.json"
    public static let ontologyFile = "ontology.yaml"
    public static let entitiesFile = "entities.jsonl"
    public static let recordsFile = "records.jsonl"
    public static let documentsFile = "documents.jsonl"
}

/// What an export holds, as its `manifest.json` says.
public struct DumpManifest: Sendable, Equatable {
    public var exportedAt: Timestamp
    public var counts: DumpCounts
    /// The embedder the exported vectors were made with, when vectors were exported.
    public var embedder: EmbedderIdentity?
    public var vectors: Bool

    public init(exportedAt: Timestamp, counts: DumpCounts, embedder: EmbedderIdentity?, vectors: Bool) {
        self.exportedAt = exportedAt
        self.counts = counts
        self.embedder = embedder
        self.vectors = vectors
    }

    public var json: JSONValue {
        .object([
            ("format", .string(DumpFormat.name)), ("version", .integer(Int64(DumpFormat.version))), ("exported_at", .string(exportedAt.rfc3339)),
            ("counts", counts.json), ("vectors", .bool(vectors)),
            ("embedder", embedder.map { .object([("name", .string($0.name)), ("dimension", .integer(Int64($0.dimension)))]) } ?? .null),
        ])
    }

    /// Reads `manifest.json` of `directory`, refusing anything but a finished export of this format.
    public static func read(directory: String) throws(DumpError) -> DumpManifest {
        let path = (directory as NSString).appendingPathComponent(DumpFormat.manifestFile)
        guard FileManager.default.fileExists(atPath: path) else { throw .notAnExport(directory: directory) }
        guard let bytes = FileManager.default.contents(atPath: path), let json = try? JSONParser.parse([UInt8](bytes)) else {
            throw .badFile(path: path, line: nil, reason: "it is not a JSON object")
        }
        guard json["format"]?.stringValue == DumpFormat.name else { throw .badFile(path: path, line: nil, reason: "its format is not \(DumpFormat.name)") }
        guard json["version"]?.integerValue == Int64(DumpFormat.version) else {
            throw .badFile(path: path, line: nil, reason: "format version \(json["version"].map(JSONWriter.string) ?? "null") is not \(DumpFormat.version)")
        }
        guard let time = json["exported_at"]?.stringValue.flatMap(Timestamp.parse), let counts = json["counts"].flatMap(DumpCounts.init(json:)) else {
            throw .badFile(path: path, line: nil, reason: "exported_at or counts is missing")
        }
        var embedder: EmbedderIdentity?
        if let name = json["embedder"]?["name"]?.stringValue, let dimension = json["embedder"]?["dimension"]?.integerValue {
            embedder = EmbedderIdentity(name: name, dimension: Int(dimension))
        }
        return DumpManifest(exportedAt: time, counts: counts, embedder: embedder, vectors: json["vectors"]?.boolValue ?? false)
    }
}

/// How many rows of each kind an export holds or an import stored.
public struct DumpCounts: Sendable, Equatable {
    public var entities = 0
    /// Lines of records.jsonl.
    public var records = 0
    public var propertyVersions = 0
    public var facts = 0
    public var ends = 0
    public var documents = 0

    public init() {}

    public var json: JSONValue {
        .object([
            ("entities", .integer(Int64(entities))), ("records", .integer(Int64(records))), ("property_versions", .integer(Int64(propertyVersions))),
            ("facts", .integer(Int64(facts))), ("ends", .integer(Int64(ends))), ("documents", .integer(Int64(documents))),
        ])
    }

    init?(json: JSONValue) {
        func count(_ name: String) -> Int? { json[name]?.integerValue.map(Int.init) }
        guard let entities = count("entities"), let records = count("records"), let documents = count("documents") else { return nil }
        self.entities = entities
        self.records = records
        self.documents = documents
        propertyVersions = count("property_versions") ?? 0
        facts = count("facts") ?? 0
        ends = count("ends") ?? 0
    }
}

/// Why an export or an import stopped. Each case reads as one sentence.
public enum DumpError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAnExport(directory: String)
    case notEmpty(directory: String)
    case cannotWrite(path: String, reason: String)
    case badFile(path: String, line: Int?, reason: String)
    case targetNotEmpty(entities: Bool)
    case unknownEntity(ref: EntityRef)
    case nothingToExport
    case danglingEnd(entity: EntityID)

    public var description: String {
        switch self {
        case .notAnExport(let directory):
            "\(directory) is not a finished export: it has no \(DumpFormat.manifestFile) (an export writes it last)"
        case .notEmpty(let directory): "\(directory) is not empty: export into a new or empty directory"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        case .badFile(let path, let line, let reason): "\(path)\(line.map { " line \($0)" } ?? ""): \(reason); nothing was imported"
        case .targetNotEmpty(let entities):
            "the target already holds a memory (\(entities ? "entities" : "an ontology")): import into empty stores"
        case .nothingToExport: "the memory has no ontology yet: there is nothing to export"
        case .danglingEnd(let entity): "an end record names entity \(entity), which the entity directory does not hold; the export stopped"
        case .unknownEntity(let ref):
            "\(DumpFormat.recordsFile) names \(ref), which \(DumpFormat.entitiesFile) does not list; nothing was imported"
        }
    }
}

extension JSONValue {
    /// The integer of an `.integer` value.
    var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The flag of a `.bool` value.
    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements of an `.array` value.
    var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}
