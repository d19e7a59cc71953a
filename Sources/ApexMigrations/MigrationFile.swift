import Foundation

/// A migration written by a user as a file (`apex migrate create`), beside the ones apex carries.
///
/// apex's own migrations are compiled in and numbered from 1; a deployment's
/// own (an extra index, a view for a report) live in a migrations directory,
/// one file per migration named `VERSION_NAME.sql` (`.cypher` for the graph),
/// numbered from ``firstVersion`` so that they never meet a later apex's. The
/// file holds both directions, after marker lines as dbmate writes them:
///
/// ```sql
/// -- migrate:up
/// CREATE INDEX trucks_by_plate ON entities (key);
/// -- migrate:down
/// DROP INDEX trucks_by_plate;
/// ```
///
/// A `-- migrate:no-transaction` line before the up marker runs the steps
/// outside a transaction (PostgreSQL's `CREATE INDEX CONCURRENTLY` needs it).
/// Cypher files may write the markers with `//` instead of `--`.
public struct MigrationFile: Sendable, Equatable {
    /// The lowest version a user's migration may have; apex's own stay below it.
    public static let firstVersion = 1001

    public let version: Int
    public let name: String
    public let migration: Migration

    /// Reads one file's text; `fileName` is its last path component, which gives the version and name.
    public init(fileName: String, text: String) throws(MigrationFileError) {
        let (version, name) = try Self.versionAndName(fileName)
        var up: [Substring] = []
        var down: [Substring] = []
        var section = 0  // 0 before any marker, 1 up, 2 down
        var transactional = true
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            switch Self.marker(line) {
            case "up":
                guard section == 0 else { throw .misplacedMarker(file: fileName, line: index + 1, marker: "up") }
                section = 1
            case "down":
                guard section == 1 else { throw .misplacedMarker(file: fileName, line: index + 1, marker: "down") }
                section = 2
            case "no-transaction":
                guard section == 0 else { throw .misplacedMarker(file: fileName, line: index + 1, marker: "no-transaction") }
                transactional = false
            case let other?:
                throw .unknownMarker(file: fileName, line: index + 1, marker: other)
            case nil:
                switch section {
                case 1: up.append(line)
                case 2: down.append(line)
                default:
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    guard trimmed.isEmpty || trimmed.hasPrefix("--") || trimmed.hasPrefix("//") else {
                        throw .statementBeforeUp(file: fileName, line: index + 1)
                    }
                }
            }
        }
        guard section > 0 else { throw .missingSection(file: fileName, marker: "up") }
        guard section == 2 else { throw .missingSection(file: fileName, marker: "down") }
        let upText = Self.body(up)
        guard !upText.isEmpty else { throw .emptyUp(file: fileName) }
        self.version = version
        self.name = name
        self.migration = Migration(version: version, name: name, up: upText, down: Self.body(down), transactional: transactional)
    }

    /// The file name of a new migration: `1001_add_plate_index.sql`.
    public static func fileName(version: Int, name: String, fileExtension: String) -> String {
        "\(version)_\(name).\(fileExtension)"
    }

    /// Whether `name` is a migration name: lowercase letters, digits and `_`, starting with a letter, at most 64 characters.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.unicodeScalars.count <= 64 else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// The skeleton `apex migrate create` writes: both markers and a comment on how the store runs the statements.
    public static func skeleton(version: Int, name: String, store: String, graph: Bool) -> String {
        let comment = graph ? "//" : "--"
        let separator =
            graph
            ? "\(comment) Statements are separated by a line holding only ;  (FalkorDB runs one Cypher statement per query)."
            : "\(comment) Statements end with ;  Each direction runs in one transaction unless a line \(comment) migrate:no-transaction comes first."
        return """
            \(comment) \(store) migration \(version): \(name)
            \(separator)
            \(comment) The down step must undo the up step exactly: apex migrate down runs it.

            \(comment) migrate:up


            \(comment) migrate:down


            """
    }

    private static func versionAndName(_ fileName: String) throws(MigrationFileError) -> (Int, String) {
        var stem = Substring(fileName)
        if let dot = stem.lastIndex(of: ".") { stem = stem[..<dot] }
        guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
            throw .badFileName(file: fileName)
        }
        let name = String(stem[stem.index(after: underscore)...])
        guard isValidName(name) else { throw .badFileName(file: fileName) }
        guard version >= firstVersion else { throw .versionTooLow(file: fileName, version: version) }
        return (version, name)
    }

    /// `up`, `down`, `no-transaction` or another word after `-- migrate:` (or `// migrate:`); nil for an ordinary line.
    private static func marker(_ line: Substring) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        for prefix in ["-- migrate:", "// migrate:"] where trimmed.hasPrefix(prefix) {
            return String(trimmed.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// A section's lines without the blank ones around them.
    private static func body(_ lines: [Substring]) -> String {
        let isBlank: (Substring) -> Bool = { $0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let first = lines.firstIndex(where: { !isBlank($0) }), let last = lines.lastIndex(where: { !isBlank($0) }) else { return "" }
        return lines[first...last].joined(separator: "\n")
    }
}

/// Why a migration file cannot be read. Each case reads as one sentence naming the file.
public enum MigrationFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case badFileName(file: String)
    case versionTooLow(file: String, version: Int)
    case misplacedMarker(file: String, line: Int, marker: String)
    case unknownMarker(file: String, line: Int, marker: String)
    case statementBeforeUp(file: String, line: Int)
    case missingSection(file: String, marker: String)
    case emptyUp(file: String)
    case duplicateVersion(file: String, other: String, version: Int)

    public var description: String {
        switch self {
        case .badFileName(let file):
            "migration file \(file) is not named VERSION_NAME.sql (or .cypher), with NAME in lowercase letters, digits and _"
        case .versionTooLow(let file, let version):
            "migration file \(file) has version \(version), but versions below \(MigrationFile.firstVersion) are apex's own; renumber it"
        case .misplacedMarker(let file, let line, let marker):
            "migration file \(file) line \(line): migrate:\(marker) is out of place (the order is no-transaction, up, down, each once)"
        case .unknownMarker(let file, let line, let marker):
            "migration file \(file) line \(line): migrate:\(marker) is not a marker apex knows (up, down, no-transaction)"
        case .statementBeforeUp(let file, let line):
            "migration file \(file) line \(line) holds a statement before the migrate:up marker"
        case .missingSection(let file, let marker):
            "migration file \(file) has no migrate:\(marker) marker line"
        case .emptyUp(let file):
            "migration file \(file) has nothing after its migrate:up marker"
        case .duplicateVersion(let file, let other, let version):
            "migration files \(other) and \(file) both have version \(version)"
        }
    }
}
