public import ApexMigrations
import Foundation
public import GRDB

/// The embedded store's schema as `apex schema audit` reads it: every table, column, index, trigger and view in
/// `sqlite_master`, the declared ones from the applied migrations replayed on an in-memory database.
public struct SQLiteSchemaInspector: SchemaInspector {
    public let writer: any DatabaseWriter
    public var storeName: String { "sqlite" }

    public init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    public func liveSchema() async throws -> [SchemaObject] {
        try await writer.read { db in try Self.objects(db) }
    }

    public func declaredSchema(_ migrations: [Migration]) async throws -> [SchemaObject] {
        let scratch = try DatabaseQueue()
        _ = try await MigrationRunner(target: SQLiteMigrationTarget(writer: scratch), migrations: migrations).up()
        return try await scratch.read { db in try Self.objects(db) }
    }

    public func recreate(_ object: SchemaObject) async throws -> Bool {
        guard ["table", "index", "trigger", "view"].contains(object.kind) else { return false }
        // The statement is the one the migrations wrote (read back from the scratch database), not input.
        try await writer.write { db in try db.execute(sql: object.definition) }
        return true
    }

    /// Drops an extra index, trigger or view (never a table: its rows may matter).
    public func drop(_ object: SchemaObject) async throws -> Bool {
        guard ["index", "trigger", "view"].contains(object.kind) else { return false }
        let quoted = "\"" + object.name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        try await writer.write { db in try db.execute(sql: "DROP \(object.kind.uppercased()) \(quoted)") }
        return true
    }

    /// An index, trigger or view defined otherwise is dropped and made again as declared; a table is not (SQLite would
    /// need it rebuilt).
    public func restore(_ declared: SchemaObject, from live: SchemaObject) async throws -> Bool {
        guard ["index", "trigger", "view"].contains(declared.kind) else { return false }
        guard try await drop(live) else { return false }
        return try await recreate(declared)
    }

    /// The objects of `sqlite_master` (SQLite's own and the history table aside) and each table's columns.
    static func objects(_ db: Database) throws -> [SchemaObject] {
        var objects: [SchemaObject] = []
        let rows = try Row.fetchAll(
            db, sql: "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name <> 'apex_schema_history' ORDER BY name")
        for row in rows {
            let (type, name): (String, String) = (row[0], row[1])
            objects.append(SchemaObject(kind: type, name: name, definition: normalized((row[2] as String?) ?? "(made by SQLite)")))
            guard type == "table" else { continue }
            for column in try Row.fetchAll(db, sql: "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)", arguments: [name]) {
                var definition = (column[1] as String).uppercased()
                if (column[2] as Int) == 1 { definition += " NOT NULL" }
                if let fallback = column[3] as String? { definition += " DEFAULT \(fallback)" }
                if (column[4] as Int) > 0 { definition += " PRIMARY KEY" }
                objects.append(SchemaObject(kind: "column", name: "\(name).\(column[0] as String)", definition: definition))
            }
        }
        return objects
    }

    /// The statement with every run of white space made one space.
    static func normalized(_ sql: String) -> String {
        sql.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
