public import ApexMigrations
import Foundation
import PostgresNIO

/// PostgreSQL's schema as `apex schema audit` reads it: the tables, columns (with their exact types), indexes and
/// constraints of apex's schema; the declared ones from the applied migrations replayed in a scratch schema of the
/// same database, read through the same session so that both print types and names alike.
public struct PostgresSchemaInspector: SchemaInspector {
    public let store: PostgresStore
    public var storeName: String { "postgres" }

    public init(store: PostgresStore) {
        self.store = store
    }

    /// The schema apex's tables are in: the URL's, else the first of the search path.
    func schemaName() async throws -> String {
        if let schema = store.url.schema { return schema }
        return try await store.rows("SELECT current_schema()").first?.decode(String.self) ?? "public"
    }

    public func liveSchema() async throws -> [SchemaObject] {
        try await objects(in: try await schemaName())
    }

    public func declaredSchema(_ migrations: [Migration]) async throws -> [SchemaObject] {
        let scratch = try await PostgresScratchSchema.create(in: store.url.with(schema: try await schemaName()), prefix: "apex_audit")
        do {
            let replay = try await PostgresStore.connect(url: scratch.url, migrate: false)
            defer { Task { await replay.shutdown() } }
            _ = try await MigrationRunner(target: replay.migrator.target, migrations: migrations).up()
            let objects = try await self.objects(in: scratch.name)
            try await scratch.drop()
            return objects
        } catch {
            try? await scratch.drop()
            throw error
        }
    }

    public func recreate(_ object: SchemaObject) async throws -> Bool {
        // Definitions are the ones PostgreSQL printed for the migrations' own objects in the scratch schema, not input.
        switch object.kind {
        case "index":
            try await store.execute(PostgresQuery(unsafeSQL: object.definition))
        case "constraint":
            let parts = object.name.split(separator: ".", maxSplits: 1)
            guard parts.count == 2 else { return false }
            try await store.execute(PostgresQuery(unsafeSQL: "ALTER TABLE \(parts[0]) ADD CONSTRAINT \(parts[1]) \(object.definition)"))
        default:
            return false
        }
        return true
    }

    /// Drops an extra index or constraint (never a table or column: their rows may matter).
    public func drop(_ object: SchemaObject) async throws -> Bool {
        switch object.kind {
        case "index":
            try await store.execute(PostgresQuery(unsafeSQL: "DROP INDEX \(Self.quoted(object.name))"))
        case "constraint":
            let parts = object.name.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return false }
            try await store.execute(PostgresQuery(unsafeSQL: "ALTER TABLE \(Self.quoted(parts[0])) DROP CONSTRAINT \(Self.quoted(parts[1]))"))
        default:
            return false
        }
        return true
    }

    /// A column gets its declared type (its values cast) and nullability back; an index or constraint is made again.
    public func restore(_ declared: SchemaObject, from live: SchemaObject) async throws -> Bool {
        switch declared.kind {
        case "column":
            let parts = declared.name.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return false }
            let (table, column) = (Self.quoted(parts[0]), Self.quoted(parts[1]))
            // The declared type as PostgreSQL printed it for the migrations' own column (format_type), before its modifiers.
            let type = declared.definition.components(separatedBy: " NOT NULL").first?.components(separatedBy: " DEFAULT ").first ?? declared.definition
            try await store.execute(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) ALTER COLUMN \(column) TYPE \(type) USING \(column)::\(type)"))
            let nullability = declared.definition.contains(" NOT NULL") ? "SET NOT NULL" : "DROP NOT NULL"
            try await store.execute(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) ALTER COLUMN \(column) \(nullability)"))
            return true
        case "index", "constraint":
            guard try await drop(live) else { return false }
            return try await recreate(declared)
        default:
            return false
        }
    }

    /// A name as a quoted identifier.
    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The objects of `schema`, the history table aside, with the schema's name taken out of their definitions.
    func objects(in schema: String) async throws -> [SchemaObject] {
        var objects: [SchemaObject] = []
        let strip = { (text: String) in text.replacingOccurrences(of: "\(schema).", with: "") }
        for row in try await store.rows(
            """
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, coalesce(pg_get_expr(d.adbin, d.adrelid), '')
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> 'apex_schema_history'
            """)
        {
            let (table, column, type, notNull, fallback) = try row.decode((String, String, String, Bool, String).self)
            var definition = strip(type)
            if notNull { definition += " NOT NULL" }
            if !fallback.isEmpty { definition += " DEFAULT " + strip(fallback) }
            objects.append(SchemaObject(kind: "column", name: "\(table).\(column)", definition: definition))
        }
        for row in try await store.rows(
            "SELECT tablename FROM pg_tables WHERE schemaname = \(schema) AND tablename <> 'apex_schema_history'")
        {
            objects.append(SchemaObject(kind: "table", name: try row.decode(String.self), definition: "table"))
        }
        for row in try await store.rows(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = \(schema) AND tablename <> 'apex_schema_history'")
        {
            let (name, definition) = try row.decode((String, String).self)
            objects.append(SchemaObject(kind: "index", name: name, definition: strip(definition)))
        }
        for row in try await store.rows(
            """
            SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con
            JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = con.connamespace
            WHERE n.nspname = \(schema) AND c.relname <> 'apex_schema_history'
            """)
        {
            let (table, name, definition) = try row.decode((String, String, String).self)
            objects.append(SchemaObject(kind: "constraint", name: "\(table).\(name)", definition: strip(definition)))
        }
        return objects
    }
}
