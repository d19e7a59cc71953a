import ApexCore
import ApexFalkorDB
import ApexMigrations
import ApexPostgres
import ApexSQLite
import ArgumentParser
import Foundation

/// `apex schema audit|repair`: the live schema of every configured store against what its applied migrations declare.
struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Find (and repair) drift between each store's live schema and its applied migrations.",
        subcommands: [Audit.self, Repair.self]
    )

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare every configured store's live schema with what its applied migrations declare; exit 0 only with no drift.",
            discussion: """
                The declared schema is made by replaying the applied migrations on an empty scratch copy (an in-memory SQLite \
                database, a scratch PostgreSQL schema in the same database, a scratch FalkorDB graph on the same server), read \
                back and removed. Compared: SQLite's tables, columns, indexes, triggers and views; PostgreSQL's tables, columns \
                with their exact types, indexes and constraints; FalkorDB's range and full-text indexes. Each missing, extra or \
                changed object is one line.
                """
        )

        @OptionGroup var options: DataOptions

        @Flag(help: "Print the report as JSON.")
        var json = false

        func run() async throws {
            var clean = true
            var sections: [(String, JSONValue)] = []
            let auditors = try await SchemaCommand.auditors(options)
            for (index, (auditor, location)) in auditors.enumerated() {
                let drift = try await auditor.audit()
                clean = clean && drift.isEmpty
                if json {
                    sections.append((auditor.inspector.storeName, SchemaCommand.json(drift, location: location)))
                } else {
                    if auditors.count > 1 { print("\(index > 0 ? "\n" : "")\(auditor.inspector.storeName) store in \(location)") }
                    print(drift.isEmpty ? "no drift: the schema is what the applied migrations declare" : drift.lines.joined(separator: "\n"))
                }
            }
            if json { print(JSONWriter.string(.object([("drift", .bool(!clean)), ("stores", .object(sections))]))) }
            if !clean { throw ExitCode(1) }
        }
    }

    struct Repair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recreate what each store's schema is missing from its applied migrations, then audit again.",
            discussion: """
                Missing SQLite tables, indexes, triggers and views, PostgreSQL indexes and constraints, and FalkorDB range \
                indexes are created again from the declared definitions; changed indexes and constraints are made again, \
                changed PostgreSQL columns get their declared type (values cast) and nullability back. Extra indexes, \
                constraints, triggers and views are dropped only with --drop-extra (an index added by hand may be wanted); \
                tables and columns are never dropped. Exit status 0 when no drift is left.
                """
        )

        @OptionGroup var options: DataOptions

        @Flag(name: .customLong("drop-extra"), help: "Also drop indexes, constraints, triggers and views the migrations do not declare.")
        var dropExtra = false

        func run() async throws {
            var clean = true
            let auditors = try await SchemaCommand.auditors(options)
            for (index, (auditor, location)) in auditors.enumerated() {
                if auditors.count > 1 { print("\(index > 0 ? "\n" : "")\(auditor.inspector.storeName) store in \(location)") }
                let before = try await auditor.audit()
                _ = try await auditor.repair(dropExtra: dropExtra)
                let after = try await auditor.audit()
                for object in before.missing where !after.missing.contains(object) { print("recreated \(object.kind) \(object.name)") }
                for (declared, _) in before.changed where !after.changed.contains(where: { $0.declared == declared }) {
                    print("restored \(declared.kind) \(declared.name)")
                }
                for object in before.extra where !after.extra.contains(object) { print("dropped \(object.kind) \(object.name)") }
                print(after.isEmpty ? "no drift: the schema is what the applied migrations declare" : after.lines.joined(separator: "\n"))
                clean = clean && after.isEmpty
            }
            if !clean { throw ExitCode(1) }
        }
    }

    /// The auditor of each configured store, with where it is (for messages).
    static func auditors(_ options: DataOptions) async throws -> [(auditor: SchemaAuditor, location: String)] {
        var auditors: [(auditor: SchemaAuditor, location: String)] = []
        if let url = options.postgresURL {
            let store = try await CommandStores.shared.postgres(url: url, migrate: false, localMigrations: try options.localMigrations(.postgres))
            let runner = store.migrator
            auditors.append(
                (SchemaAuditor(inspector: PostgresSchemaInspector(store: store), migrations: runner.migrations, status: { try await runner.status() }),
                 store.url.description))
        } else {
            let file = (options.directory as NSString).appendingPathComponent(SQLiteStore.fileName)
            guard FileManager.default.fileExists(atPath: file) else { throw CLIError.noMemory(directory: options.directory) }
            let store = try await SQLiteStore.open(directory: options.directory, migrate: false, localMigrations: try options.localMigrations(.sqlite))
            let runner = store.migrator
            auditors.append(
                (SchemaAuditor(inspector: SQLiteSchemaInspector(writer: store.pool), migrations: runner.migrations, status: { try await runner.status() }),
                 options.directory))
        }
        if let url = options.falkorURL {
            let store = try await CommandStores.shared.falkor(url: url, migrate: false, localMigrations: try options.localMigrations(.graph))
            let runner = store.migrator
            auditors.append(
                (SchemaAuditor(inspector: FalkorDBSchemaInspector(store: store), migrations: runner.migrations, status: { try await runner.status() }),
                 "graph \(store.graph) at \(store.url.server)"))
        }
        return auditors
    }

    static func json(_ drift: SchemaDrift, location: String) -> JSONValue {
        func list(_ objects: [SchemaObject]) -> JSONValue {
            .array(objects.map { .object([("kind", .string($0.kind)), ("name", .string($0.name)), ("definition", .string($0.definition))]) })
        }
        return .object([
            ("location", .string(location)), ("missing", list(drift.missing)), ("extra", list(drift.extra)),
            (
                "changed",
                .array(
                    drift.changed.map {
                        .object([
                            ("kind", .string($0.declared.kind)), ("name", .string($0.declared.name)), ("declared", .string($0.declared.definition)),
                            ("found", .string($0.live.definition)),
                        ])
                    })
            ),
        ])
    }
}
