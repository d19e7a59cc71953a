import ApexCore
import ApexMigrations
import ApexPostgres
import ApexSQLite
import ArgumentParser
import Foundation

/// `apex migrate status|up|down`: the schema versions of the embedded store, or of PostgreSQL with `--database-url`.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Show, apply or roll back the store's schema migrations.",
        discussion: """
            Migrations are versioned files in the apex source tree, each with its down step. The store's apex_schema_history table \
            records version, name, SHA-256 checksum, applied_at and duration of each applied one. A migration whose file changed \
            after it was applied is reported as checksum_mismatch and blocks up and down. Other commands apply pending migrations \
            on first use. On PostgreSQL (--database-url) a run holds an advisory lock for its whole length: a second apex migrating \
            the same database waits for it, then finds nothing left to do; migrations that build indexes on live tables do so with \
            CREATE INDEX CONCURRENTLY, outside a transaction.
            """,
        subcommands: [Status.self, Up.self, Down.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every migration: applied, pending, checksum_mismatch or unknown.")

        @Flag(name: .long, help: "Print JSON instead of a table.")
        var json = false

        @OptionGroup var options: DataOptions

        func run() async throws {
            let (runner, location) = try await MigrateCommand.runner(options)
            let rows = try await runner.status()
            if json {
                Console.answer(.object([("store", .string(runner.storeName)), ("migrations", .array(rows.map(MigrateCommand.json)))]))
                return
            }
            print("\(runner.storeName) store in \(location)")
            for row in rows {
                var line = String(format: "%5d  %-28@ %-18@", row.version, row.name as NSString, row.state.rawValue as NSString)
                if let applied = row.applied {
                    line += String(format: " applied %@ (%.1f ms)", applied.appliedAt as NSString, applied.durationMilliseconds)
                }
                print(line)
            }
            if rows.contains(where: { $0.state == .checksumMismatch || $0.state == .unknown }) {
                throw CLIError.badArgument("the store's schema history does not match this apex's migrations (see the rows above)")
            }
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations, up to --to VERSION (default: all).")

        @Option(name: .long, help: "The last version to apply.")
        var to: Int?

        @OptionGroup var options: DataOptions

        func run() async throws {
            let steps = try await MigrateCommand.runner(options).runner.up(to)
            MigrateCommand.report(steps, nothing: "the schema is up to date")
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Roll back the newest migration, or every migration above --to VERSION (0 rolls back all).")

        @Option(name: .long, help: "The version to keep (default: roll back one).")
        var to: Int?

        @OptionGroup var options: DataOptions

        func run() async throws {
            let steps = try await MigrateCommand.runner(options).runner.down(to)
            MigrateCommand.report(steps, nothing: "nothing to roll back")
        }
    }

    /// The migration runner of the store the options name, and where that store is (for messages).
    static func runner(_ options: DataOptions) async throws -> (runner: AnyMigrationRunner, location: String) {
        if let url = options.postgresURL {
            let store = try await CommandStores.shared.postgres(url: url, migrate: false)
            var target = store.migrator.target
            target.onWait = { Console.error($0) }
            return (AnyMigrationRunner(MigrationRunner(target: target, migrations: PostgresMigrations.all)), store.url.description)
        }
        let store = try await SQLiteStore.open(directory: options.directory, migrate: false)
        return (AnyMigrationRunner(store.migrator), options.directory)
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
