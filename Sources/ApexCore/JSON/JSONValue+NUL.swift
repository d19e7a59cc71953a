extension JSONValue {
    /// Where the first string holding U+0000 (NUL) is, as a path like `set.name` or `metadata[2]`; nil when there is none.
    ///
    /// No store keeps NUL characters alike (PostgreSQL's `text` and `jsonb`
    /// refuse them), so the memory refuses them at its door, on every store:
    /// the same input gets the same answer whichever adapter runs.
    public func pathOfNUL(_ path: String = "") -> String? {
        switch self {
        case .string(let text):
            return text.containsNUL ? (path.isEmpty ? "the value" : path) : nil
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = item.pathOfNUL("\(path)[\(index)]") { return found }
            }
            return nil
        case .object(let members):
            for (name, member) in members {
                let memberPath = path.isEmpty ? name : "\(path).\(name)"
                if name.containsNUL { return memberPath }
                if let found = member.pathOfNUL(memberPath) { return found }
            }
            return nil
        case .null, .bool, .integer, .number:
            return nil
        }
    }
}

extension String {
    /// Whether the text holds U+0000.
    public var containsNUL: Bool { utf8.contains(0) }
}
