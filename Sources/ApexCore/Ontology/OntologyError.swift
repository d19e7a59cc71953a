/// Why an ontology document was refused, and where.
public struct OntologyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line in the document, when known.
    public let line: Int?
    public let message: String

    public init(line: Int?, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "ontology line \(line): \(message)" }
        return "ontology: \(message)"
    }
}
