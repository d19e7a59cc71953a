/// A SQL `LIKE` pattern that matches text containing a given string, with `%`, `_` and the backslash escaped (by a backslash).
///
/// Both SQL adapters search entity keys and values this way; the pattern is
/// bound as a parameter, never spliced into the statement.
public enum LikePattern {
    public static func containing(_ text: String) -> String {
        var escaped = "%"
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped + "%"
    }
}
