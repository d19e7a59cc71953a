/// A Cypher query whose text is apex's own and whose input travels only as parameters.
///
/// ``rendered`` is what `GRAPH.QUERY` receives: `CYPHER p1=v1 p2=v2 <text>`.
/// The query text is a string literal in apex's sources; the only other
/// text ever added is a label from the ontology, through
/// ``label(_:)``, which refuses names it cannot quote.
public struct CypherQuery: Sendable {
    public let text: String
    public let parameters: [(name: String, value: CypherValue)]

    public init(_ text: String, _ parameters: [(name: String, value: CypherValue)] = []) {
        self.text = text
        self.parameters = parameters
    }

    /// The parameter header and the query, as one string for `GRAPH.QUERY`.
    public var rendered: String {
        guard !parameters.isEmpty else { return text }
        var out = "CYPHER"
        for parameter in parameters {
            out += " "
            out += parameter.name
            out += "="
            parameter.value.write(into: &out)
        }
        out += " "
        out += text
        return out
    }

    /// A backtick-quoted label for an entity type, or nil when the name cannot be one.
    ///
    /// Labels cannot be parameters in Cypher, so only a name that is an
    /// identifier (`[A-Za-z_][A-Za-z0-9_]*`) becomes one: graphiti-core
    /// refuses to read a node with any other label, and FalkorDB has no
    /// escape for a backtick inside one. A type with another name gets no
    /// label of its own (its nodes are still `:Entity`, with the type in `apex_type`).
    public static func label(_ name: String) -> String? {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic),
            name.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) })
        else { return nil }
        return "`" + name + "`"
    }

    /// Whether a name can stand between backticks (a label, or a key of a parameter map): not empty, no backtick, no control character.
    public static func isQuotable(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains(where: { $0 == "`" || $0.properties.generalCategory == .control })
    }
}
