public import ApexCore
import Foundation

/// What a vector collection is: the embedder that made its vectors and how they are indexed (docs/vectors.md).
///
/// A memory's vectors are a sequence of collection versions, each with one
/// spec; searches go to the live one (the alias). Changing any field is a new
/// version, built beside the live one by `apex vectors migrate`: a new
/// embedder re-embeds every chunk, an index field only rebuilds the index.
public struct VectorCollectionSpec: Sendable, Equatable {
    /// How the index stores vectors.
    public enum Precision: String, Sendable, CaseIterable {
        /// 4-byte floats.
        case float32
        /// One byte per dimension with one global scale, re-scored with the floats (about a quarter of the memory).
        case int8
        /// pgvector's 2-byte floats.
        case halfvec
    }

    public var embedder: EmbedderIdentity
    /// Only cosine distance is supported (every embedder here normalises its vectors).
    public var metric: String = "cosine"
    /// HNSW links per node on the upper layers (layer 0 keeps twice as many).
    public var m: Int = 16
    /// HNSW candidates kept while inserting.
    public var efConstruction: Int = 64
    public var precision: Precision = .float32
    /// Payload (document metadata) fields searches filter on, indexed where the store can.
    public var payloadIndexes: [String] = []

    public init(embedder: EmbedderIdentity, m: Int = 16, efConstruction: Int = 64, precision: Precision = .float32, payloadIndexes: [String] = []) {
        self.embedder = embedder
        self.m = m
        self.efConstruction = efConstruction
        self.precision = precision
        self.payloadIndexes = payloadIndexes
    }

    /// Whether moving from `other` to this spec means embedding every chunk again (rather than only indexing).
    public func needsReembedding(from other: VectorCollectionSpec) -> Bool {
        embedder != other.embedder
    }

    /// The stored form: a JSON object with fixed member order.
    public var json: JSONValue {
        .object([
            ("embedder", .string(embedder.name)), ("dimension", .integer(Int64(embedder.dimension))), ("metric", .string(metric)),
            ("m", .integer(Int64(m))), ("ef_construction", .integer(Int64(efConstruction))), ("precision", .string(precision.rawValue)),
            ("payload_indexes", .array(payloadIndexes.map(JSONValue.string))),
        ])
    }

    /// `feature-hashing-v1/384 cosine m=16 ef_construction=64 float32`, for tables and progress lines.
    public var summary: String {
        "\(embedder.name)/\(embedder.dimension) \(metric) m=\(m) ef_construction=\(efConstruction) \(precision.rawValue)"
            + (payloadIndexes.isEmpty ? "" : " payload_indexes=\(payloadIndexes.joined(separator: "+"))")
    }

    /// Reads the stored form, or a spec file's object; members left out keep `base`'s values.
    public init(json: JSONValue, base: VectorCollectionSpec) throws(VectorSpecError) {
        guard case .object(let members) = json else { throw .notAnObject }
        var fields: [String: String] = [:]
        for (key, value) in members {
            switch value {
            case .string(let text): fields[key] = text
            case .integer(let number): fields[key] = String(number)
            case .array(let items):
                fields[key] = try items.map { item throws(VectorSpecError) -> String in
                    guard let text = item.stringValue else { throw .badValue(field: key, value: "\(item)", reason: "it must be a list of field names") }
                    return text
                }.joined(separator: "+")
            default: throw .badValue(field: key, value: "\(value)", reason: "it must be a string, a whole number or a list")
            }
        }
        self = try base.applying(fields)
    }

    /// Applies `key=value,key=value` (the form `apex vectors migrate --to` takes) over this spec.
    public func applying(text: String) throws(VectorSpecError) -> VectorCollectionSpec {
        var fields: [String: String] = [:]
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty else { throw .notKeyValue(String(part)) }
            fields[pair[0]] = pair[1]
        }
        return try applying(fields)
    }

    /// The keys a spec knows.
    public static let keys = ["embedder", "dimension", "metric", "m", "ef_construction", "precision", "payload_indexes"]

    func applying(_ fields: [String: String]) throws(VectorSpecError) -> VectorCollectionSpec {
        var spec = self
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "embedder":
                guard !value.isEmpty else { throw .badValue(field: key, value: value, reason: "it is empty") }
                // Short names: the offline hashing embedder, and MiniLM at all-MiniLM-L6-v2's size.
                spec.embedder.name = value == "hashing" ? FeatureHashingEmbedder.identityName : value == "minilm" ? "minilm-L6-H384" : value
            case "dimension": spec.embedder.dimension = try Self.whole(key, value, in: 8...16_000)
            case "metric":
                guard value == "cosine" else { throw .badValue(field: key, value: value, reason: "only cosine is supported") }
                spec.metric = value
            case "m": spec.m = try Self.whole(key, value, in: 2...128)
            case "ef_construction": spec.efConstruction = try Self.whole(key, value, in: 4...2_000)
            case "precision":
                guard let precision = Precision(rawValue: value) else {
                    throw .badValue(field: key, value: value, reason: "it must be one of \(Precision.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                spec.precision = precision
            case "payload_indexes":
                let names = value.split(separator: "+").map(String.init)
                for name in names where !Self.isFieldName(name) {
                    throw .badValue(field: key, value: name, reason: "a field name is letters, digits, _ or -")
                }
                spec.payloadIndexes = names
            default:
                throw .unknownKey(key)
            }
        }
        return spec
    }

    private static func whole(_ key: String, _ value: String, in range: ClosedRange<Int>) throws(VectorSpecError) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw .badValue(field: key, value: value, reason: "it must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// Whether `name` is a metadata field name searches may filter on: letters, digits, `_` or `-`.
    public static func isFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }
}

extension FeatureHashingEmbedder {
    /// The identity name of the offline embedder, whatever its dimension.
    public static let identityName = "feature-hashing-v1"
}

/// Why a collection spec was refused. Each case reads as one sentence.
public enum VectorSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAnObject
    case notKeyValue(String)
    case unknownKey(String)
    case badValue(field: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .notAnObject: "a vector collection spec must be a JSON object"
        case .notKeyValue(let part): "\"\(part)\" in the vector collection spec is not KEY=VALUE"
        case .unknownKey(let key):
            "the vector collection spec has no field \"\(key)\" (known: \(VectorCollectionSpec.keys.joined(separator: ", ")))"
        case .badValue(let field, let value, let reason): "the vector collection spec's \(field) \"\(value)\" is not valid: \(reason)"
        }
    }
}
