/// A value bound to a Cypher query parameter: the only way input reaches a FalkorDB query.
///
/// FalkorDB takes parameters as a text header before the query
/// (`CYPHER name=value ... MATCH ...`); ``CypherQuery`` writes that header from
/// these values, quoting and escaping every string, so that no input is ever
/// spliced into query text.
public enum CypherValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case list([CypherValue])
    /// A map; keys are backtick-quoted, so they must hold no backtick (``CypherQuery/isQuotable(_:)``).
    case map([(key: String, value: CypherValue)])
    /// A list of floats for `vecf32(...)`, written in Float's shortest exact form.
    case vector([Float])

    public static func == (lhs: CypherValue, rhs: CypherValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.map(let a), .map(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        case (.vector(let a), .vector(let b)): a == b
        default: false
        }
    }

    /// An optional string: null when absent.
    public static func optional(_ text: String?) -> CypherValue { text.map(CypherValue.string) ?? .null }

    /// An optional integer: null when absent.
    public static func optional(_ number: Int64?) -> CypherValue { number.map(CypherValue.integer) ?? .null }

    /// Appends this value as FalkorDB's parameter parser reads it.
    func write(into text: inout String) {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .integer(let value): text += String(value)
        case .double(let value):
            // Cypher has no literal for these; JSON (and so our data) never holds them.
            if value.isFinite { text += Self.decimal(value) } else { text += "null" }
        case .string(let value): Self.quote(value, into: &text)
        case .list(let values):
            text += "["
            for (index, value) in values.enumerated() {
                if index > 0 { text += ", " }
                value.write(into: &text)
            }
            text += "]"
        case .map(let pairs):
            text += "{"
            for (index, pair) in pairs.enumerated() {
                if index > 0 { text += ", " }
                text += "`"
                text += pair.key
                text += "`: "
                pair.value.write(into: &text)
            }
            text += "}"
        case .vector(let values):
            text += "["
            for (index, value) in values.enumerated() {
                if index > 0 { text += "," }
                text += value.isFinite ? "\(value)" : "0"
            }
            text += "]"
        }
    }

    /// A double in a form Cypher reads back exactly (always with a point or an exponent, so it stays a float).
    static func decimal(_ value: Double) -> String {
        let text = "\(value)"
        return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? text : text + ".0"
    }

    /// A double-quoted string with `\` and `"` escaped: FalkorDB's parameter strings keep every other character as it is.
    static func quote(_ value: String, into text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { text += "\\" }
            text.unicodeScalars.append(scalar)
        }
        text += "\""
    }
}
