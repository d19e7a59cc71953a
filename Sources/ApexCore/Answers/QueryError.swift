/// Why a temporal query has no answer (spec sections 3 and 5).
///
/// Each case reads as one sentence naming what was asked; the HTTP layer maps
/// `unknownEntity` and `notYetExisting` to 404 and the rest to 400.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No visible record names the entity.
    case unknownEntity(EntityRef, knownAt: Timestamp)
    /// No entity has this id.
    case unknownEntityID(String)
    /// The entity's first visible record is valid after the time asked about.
    case notYetExisting(EntityRef, at: Timestamp, firstValidAt: Timestamp)
    case unknownEntityType(String)
    case unknownProperty(type: String, property: String)
    /// A time argument that is not RFC 3339.
    case badTime(field: String, value: String)
    /// An entity argument that is not `TYPE/KEY`.
    case badEntityPath(String)
    /// Nothing has been ingested yet, so there is no ontology to answer with.
    case noOntology
    /// A traversal depth outside what the API allows.
    case badDepth(Int, maximum: Int)
    /// A relation type the ontology does not declare, given as a filter.
    case unknownRelationType(String)

    public var description: String {
        switch self {
        case .unknownEntity(let ref, let knownAt):
            "unknown entity \(ref): no record names it as known at \(knownAt)"
        case .unknownEntityID(let id):
            "unknown entity id \(id)"
        case .notYetExisting(let ref, let at, let first):
            "\(ref) did not exist at \(at); its first record is valid from \(first)"
        case .unknownEntityType(let type):
            "unknown entity type \(type)"
        case .unknownProperty(let type, let property):
            "\(type) has no property \(property)"
        case .badTime(let field, let value):
            "\(field) \"\(value)\" is not an RFC 3339 date-time (for example 2025-03-02T00:00:00Z)"
        case .badEntityPath(let path):
            "\"\(path)\" is not an entity reference of the form TYPE/KEY"
        case .noOntology:
            "this memory has no ontology yet; ingest a record file with --ontology first"
        case .badDepth(let depth, let maximum):
            "depth \(depth) is out of range: give 1 to \(maximum)"
        case .unknownRelationType(let relation):
            "unknown relation type \(relation)"
        }
    }

    /// True when the entity asked about does not exist (HTTP 404).
    public var isNotFound: Bool {
        switch self {
        case .unknownEntity, .unknownEntityID, .notYetExisting: true
        default: false
        }
    }
}
