import ApexCore
import ApexFalkorDB
import ApexMigrations
import ApexPostgres
import ApexSQLite
import ArgumentParser
import Foundation

/// `apex migrate status|up|down`: the schema versions of every configured store, one section per store.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Show, apply or roll back the schema migrations of every configured store.",
        discussion: """
            Migrations are versioned steps compiled into apex (numbered from 1), each with its down step, followed by the \
            deployment's own from --migrations DIR (numbered from 1001: see apex migrate create). The store's apex_schema_history table \
            records version, name, SHA-256 checksum, applied_at and duration of each applied one. A migration whose file changed \
            after it was applied is reported as checksum_mismatch and blocks up and down. Other commands apply pending migrations \
            on first use. On PostgreSQL (--database-url) a run holds an advisory lock for its whole length: a second apex migrating \
            the same database waits for it, then finds nothing left to do; migrations that build indexes on live tables do so with \
            CREATE INDEX CONCURRENTLY, outside a transaction. With --graph-url the FalkorDB graph has its own Cypher migrations, \
            recorded as (:SchemaVersion) nodes in the graph and serialised by a lock key in the same server; each command reports \
            one section per store (records first, then the graph).
            """,
        subcommands: [Status.self, Up.self, Down.self, Validate.self, Create.self, Baseline.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every migration: applied, pending, checksum_mismatch or unknown.")

        @Flag(name: .long, help: "Print JSON instead of a table.")
        var json = false

        @OptionGroup var options: DataOptions

        func run() async throws {
            var sections: [(store: String, location: String, rows: [MigrationStatus])] = []
            for (runner, location) in try await MigrateCommand.runners(options) {
                sections.append((runner.storeName, location, try await runner.status()))
            }
            if json {
                let stores = sections.map { section in
                    JSONValue.object([
                        ("store", .string(section.store)), ("location", .string(section.location)),
                        ("migrations", .array(section.rows.map(MigrateCommand.json))),
                    ])
                }
                // The record store's section stays at the top level, as before graph stores existed.
                Console.answer(
                    .object([
                        ("store", .string(sections[0].store)), ("migrations", .array(sections[0].rows.map(MigrateCommand.json))),
                        ("stores", .array(stores)),
                    ]))
            } else {
                for (index, section) in sections.enumerated() {
                    if index > 0 { print("") }
                    print("\(section.store) store in \(section.location)")
                    for row in section.rows {
                        var line = String(format: "%5d  %-28@ %-18@", row.version, row.name as NSString, row.state.rawValue as NSString)
                        if let applied = row.applied {
                            line += String(format: " applied %@ (%.1f ms)", applied.appliedAt as NSString, applied.durationMilliseconds)
                        }
                        print(line)
                    }
                }
            }
            if let bad = sections.first(where: { $0.rows.contains { $0.state == .checksumMismatch || $0.state == .unknown } }) {
                throw CLIError.badArgument("the \(bad.store) store's schema history does not match this apex's migrations (see its rows)")
            }
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations, up to --to VERSION (default: all).")

        @Option(name: .long, help: "The last version to apply.")
        var to: Int?

        @Flag(name: .customLong("dry-run"), help: "Print what would be applied, statement by statement, and apply nothing.")
        var dryRun = false

        @OptionGroup var options: DataOptions

        func run() async throws {
            let runners = try await MigrateCommand.runners(options)
            for (index, (runner, location)) in runners.enumerated() {
                if runners.count > 1 { print("\(index > 0 ? "\n" : "")\(runner.storeName) store in \(location)") }
                if dryRun {
                    MigrateCommand.report(try await runner.plan(.up, to), nothing: "the schema is up to date")
                } else {
                    MigrateCommand.report(try await runner.up(to), nothing: "the schema is up to date")
                }
            }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Roll back the newest migration, or every migration above --to VERSION (0 rolls back all).")

        @Option(name: .long, help: "The version to keep (default: roll back one).")
        var to: Int?

        @Flag(name: .customLong("dry-run"), help: "Print what would be rolled back, statement by statement, and roll back nothing.")
        var dryRun = false

        @OptionGroup var options: DataOptions

        func run() async throws {
            let runners = try await MigrateCommand.runners(options)
            for (index, (runner, location)) in runners.enumerated().reversed() {
                if runners.count > 1 { print("\(index < runners.count - 1 ? "\n" : "")\(runner.storeName) store in \(location)") }
                if dryRun {
                    MigrateCommand.report(try await runner.plan(.down, to), nothing: "nothing to roll back")
                } else {
                    MigrateCommand.report(try await runner.down(to), nothing: "nothing to roll back")
                }
            }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every store's history against this apex's migrations (checksums, unknown versions); apply nothing.")

        @OptionGroup var options: DataOptions

        func run() async throws {
            let runners = try await MigrateCommand.runners(options)
            for (index, (runner, location)) in runners.enumerated() {
                if runners.count > 1 { print("\(index > 0 ? "\n" : "")\(runner.storeName) store in \(location)") }
                // A mismatch throws with its sentence (exit 1).
                let rows = try await runner.validate()
                let applied = rows.filter { $0.state == .applied }.count
                print("valid: \(applied) applied migration(s) match their checksums, \(rows.count - applied) pending")
            }
        }
    }

    /// The migration runner of each store the options name (the record store, then the graph), and where each is (for messages).
    static func runners(_ options: DataOptions) async throws -> [(runner: AnyMigrationRunner, location: String)] {
        var runners: [(runner: AnyMigrationRunner, location: String)] = []
        if let url = options.postgresURL {
            let store = try await CommandStores.shared.postgres(url: url, migrate: false, localMigrations: try options.localMigrations(.postgres))
            var target = store.migrator.target
            target.onWait = { Console.error($0) }
            runners.append((AnyMigrationRunner(MigrationRunner(target: target, migrations: store.migrator.migrations)), store.url.description))
        } else {
            let store = try await SQLiteStore.open(directory: options.directory, migrate: false, localMigrations: try options.localMigrations(.sqlite))
            runners.append((AnyMigrationRunner(store.migrator), options.directory))
        }
        if let url = options.falkorURL {
            let store = try await CommandStores.shared.falkor(url: url, migrate: false, localMigrations: try options.localMigrations(.graph))
            var target = store.migrator.target
            target.onWait = { Console.error("another apex holds the migration lock of graph \(store.graph); waiting for it to finish") }
            runners.append(
                (AnyMigrationRunner(MigrationRunner(target: target, migrations: store.migrator.migrations)), "graph \(store.graph) at \(store.url.server)"))
        }
        return runners
    }

    /// A dry run's plan: each step, then its statements indented.
    static func report(_ steps: [PlannedStep], nothing: String) {
        if steps.isEmpty {
            print(nothing)
            return
        }
        for step in steps {
            print("would \(step.direction == .up ? "apply" : "roll back") \(step.version) \(step.name):")
            for statement in step.statements {
                for line in statement.split(separator: "\n", omittingEmptySubsequences: false) { print("    " + line) }
            }
        }
    }

    static func report(_ steps: [MigrationStep], nothing: String) {
        if steps.isEmpty {
            print(nothing)
            return
        }
        for step in steps {
            let verb = step.direction == .up ? "applied" : "rolled back"
            print(String(format: "%@ %d %@ (%.1f ms)", verb as NSString, step.version, step.name as NSString, step.durationMilliseconds))
        }
    }

    static func json(_ row: MigrationStatus) -> JSONValue {
        .object([
            ("version", .integer(Int64(row.version))),
            ("name", .string(row.name)),
            ("state", .string(row.state.rawValue)),
            ("checksum", .optional(row.applied?.checksum)),
            ("applied_at", .optional(row.applied?.appliedAt)),
            ("duration_ms", row.applied.map { .number($0.durationMilliseconds) } ?? .null),
        ])
    }
}
