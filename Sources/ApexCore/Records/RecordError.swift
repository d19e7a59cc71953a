/// Why a record line was refused (spec section 5), with its 1-based line number.
public struct RecordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line of the record file (or the element of a JSON array, counted from 1).
    public let line: Int
    /// A stable, machine-readable reason such as `bad_json` or `unknown_property`.
    public let code: String
    public let message: String

    public init(line: Int, code: String, message: String) {
        self.line = line
        self.code = code
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}
