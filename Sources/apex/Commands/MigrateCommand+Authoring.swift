import ApexMigrations
import ArgumentParser
import Foundation

extension MigrateCommand {
    /// `apex migrate create NAME`: the skeleton of the deployment's next migration for one store.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the skeleton of a new migration of this deployment's own, numbered after the newest one.",
            discussion: """
                The file goes to the migrations directory (--migrations, $APEX_MIGRATIONS or ./migrations), under sqlite/, \
                postgres/ or graph/, named VERSION_NAME.sql (.cypher for the graph) with VERSION from 1001 up (apex's own \
                migrations stay below). Fill in the statements after the migrate:up and migrate:down lines; apex migrate up \
                applies it after apex's own, and every command that opens the store checks it (its checksum is recorded when \
                it is applied, so edit a migration only before then).
                """)

        @Argument(help: "What the migration does, in lowercase letters, digits and _ (add_plate_index).")
        var name: String

        @Option(name: .long, help: "sqlite, postgres or graph (default: the record store configured: postgres with --database-url, else sqlite).")
        var store: String?

        @OptionGroup var options: DataOptions

        func run() async throws {
            let chosen = try store.map(MigrateCommand.parseStore) ?? (options.postgresURL == nil ? .sqlite : .postgres)
            print(try options.migrationDirectory.create(name: name, store: chosen))
        }
    }

    /// `apex migrate baseline`: a store whose schema exists already joins the migration history without running anything.
    struct Baseline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record migrations as applied without running them, in a store whose schema already has them.",
            discussion: """
                For a database whose schema was made without apex migrate (restored from a dump that left out \
                apex_schema_history, created by hand). Each store's live schema is first compared with what its migrations \
                up to --to declare, as apex schema audit does: anything missing or defined otherwise refuses the baseline and \
                is named; objects the migrations do not declare are no obstacle. A store that already has a history is refused.
                """)

        @Option(name: .long, help: "The last version to record (default: every known one); needs --store when several stores are configured.")
        var to: Int?

        @Option(name: .long, help: "Only this store: sqlite, postgres or graph (default: every configured store).")
        var store: String?

        @OptionGroup var options: DataOptions

        func validate() throws {
            _ = try store.map(MigrateCommand.parseStore)
            if to != nil, store == nil, options.falkorURL != nil {
                throw ValidationError("--to names one store's version: give --store as well when a graph is configured")
            }
        }

        func run() async throws {
            let runners = try await MigrateCommand.runners(options)
            let auditors = try await SchemaCommand.auditors(options)
            let only = try store.map(MigrateCommand.parseStore)
            for ((runner, location), (auditor, _)) in zip(runners, auditors) {
                if let only, MigrateCommand.directoryStore(runner.storeName) != only { continue }
                if runners.count > 1 { print("\(runner.storeName) store in \(location)") }
                let steps = try await runner.baseline(to) { try await auditor.gaps(for: $0) }
                for step in steps { print("baselined \(step.version) \(step.name)") }
                if steps.isEmpty { print("no migrations to record") }
            }
        }
    }

    /// `--store`'s value.
    static func parseStore(_ text: String) throws -> MigrationDirectory.Store {
        guard let store = MigrationDirectory.Store(rawValue: text) else { throw ValidationError("--store \(text) must be sqlite, postgres or graph") }
        return store
    }

    /// The migrations subdirectory of a runner's store (`falkordb` keeps its files under `graph`).
    static func directoryStore(_ storeName: String) -> MigrationDirectory.Store? {
        storeName == "falkordb" ? .graph : MigrationDirectory.Store(rawValue: storeName)
    }
}
