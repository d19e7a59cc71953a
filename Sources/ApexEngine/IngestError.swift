public import ApexCore

/// Why an ingest stored nothing. Each case reads as one sentence.
public enum IngestError: Error, Sendable, CustomStringConvertible {
    /// The record file could not be read.
    case cannotRead(path: String, reason: String)
    /// A line broke a rule of the spec; nothing of the file was stored.
    case badRecord(RecordError)
    /// The ontology document is invalid.
    case badOntology(OntologyError)
    /// No ontology is stored and none was given.
    case noOntology
    /// The new ontology would make stored data invalid.
    case incompatibleOntology(reason: String)

    public var description: String {
        switch self {
        case .cannotRead(let path, let reason): "cannot read \(path): \(reason)"
        case .badRecord(let error): "\(error.description); nothing was stored"
        case .badOntology(let error): error.description
        case .noOntology: "this memory has no ontology yet; pass --ontology FILE with the first ingest"
        case .incompatibleOntology(let reason): "the new ontology does not fit the stored data: \(reason)"
        }
    }
}
