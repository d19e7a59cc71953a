/// Splits a migration's SQL text into its statements.
///
/// Servers that take one statement per request (PostgreSQL's extended query
/// protocol, which PostgresNIO speaks) need the statements one by one. The
/// split is at semicolons outside quotes (`'...'`, `"..."`), dollar quotes
/// (`$$...$$`, `$tag$...$tag$`), line comments (`-- ...`) and block comments
/// (`/* ... */`); empty statements are dropped.
public enum SQLStatements {
    public static func split(_ sql: String) -> [String] {
        let characters = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0
        func finish() {
            let text = String(current).trimmingWhitespace()
            if !text.isEmpty, !isOnlyComments(text) { statements.append(text) }
            current = String.UnicodeScalarView()
        }
        while index < characters.count {
            let character = characters[index]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case "'", "\"":
                let end = closing(character, in: characters, from: index + 1)
                current.append(contentsOf: characters[index..<end])
                index = end
                continue
            case "-" where next == "-":
                var end = index
                while end < characters.count, characters[end] != "\n" { end += 1 }
                current.append(contentsOf: characters[index..<end])
                index = end
                continue
            case "/" where next == "*":
                let end = blockCommentEnd(in: characters, from: index + 2)
                current.append(contentsOf: characters[index..<end])
                index = end
                continue
            case "$":
                if let tagEnd = dollarTagEnd(in: characters, from: index) {
                    let tag = Array(characters[index...tagEnd])
                    let end = dollarQuoteEnd(tag, in: characters, from: tagEnd + 1)
                    current.append(contentsOf: characters[index..<end])
                    index = end
                    continue
                }
            case ";":
                finish()
                index += 1
                continue
            default:
                break
            }
            current.append(character)
            index += 1
        }
        finish()
        return statements
    }

    /// The index after the quote that closes one opened just before `start` (a doubled quote is an escaped one).
    private static func closing(_ quote: Unicode.Scalar, in characters: [Unicode.Scalar], from start: Int) -> Int {
        var index = start
        while index < characters.count {
            if characters[index] == quote {
                if index + 1 < characters.count, characters[index + 1] == quote {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        return characters.count
    }

    private static func blockCommentEnd(in characters: [Unicode.Scalar], from start: Int) -> Int {
        var index = start
        while index + 1 < characters.count {
            if characters[index] == "*", characters[index + 1] == "/" { return index + 2 }
            index += 1
        }
        return characters.count
    }

    /// The index of the `$` that closes a dollar-quote tag opened at `start`, if `start` opens one.
    private static func dollarTagEnd(in characters: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start + 1
        while index < characters.count {
            let character = characters[index]
            if character == "$" { return index }
            guard character == "_" || character.properties.isAlphabetic || (index > start + 1 && ("0"..."9").contains(character)) else {
                return nil
            }
            index += 1
        }
        return nil
    }

    private static func dollarQuoteEnd(_ tag: [Unicode.Scalar], in characters: [Unicode.Scalar], from start: Int) -> Int {
        var index = start
        while index + tag.count <= characters.count {
            if Array(characters[index..<(index + tag.count)]) == tag { return index + tag.count }
            index += 1
        }
        return characters.count
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(separator: "\n").allSatisfy { $0.trimmingWhitespace().isEmpty || $0.trimmingWhitespace().hasPrefix("--") }
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = Array(unicodeScalars)
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[first...last])
        return String(text)
    }
}
