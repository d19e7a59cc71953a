import ApexCore
import ApexEmbedders
import ApexEngine
import ApexMigrations
import ApexPorts
import ApexPostgres
import ApexRedis
import ApexSQLite
import ApexVector
import ArgumentParser
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// The `apex` command: a temporal knowledge memory on the command line.
struct Apex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apex",
        abstract: "ApexMemory: a temporal knowledge memory. What was true at T, as known at T2.",
        discussion: """
            Data lives in --data (default ./apex-data, or $APEX_DATA): one SQLite file, created and migrated on first use, and the saved vector graph. \
            With --database-url postgres://... (or $APEX_DATABASE_URL) it lives in that PostgreSQL database instead, vectors in pgvector.
            With --graph-url falkordb://host:port/GRAPH (or $APEX_GRAPH_URL) facts and their ends live in that FalkorDB graph, in \
            graphiti-core's layout, and the rest in the embedded store or PostgreSQL.
            Times are RFC 3339 (2025-03-02T00:00:00Z); query options also take a bare date (2025-03-02 = its midnight UTC).
            Answers are JSON on stdout; errors are one sentence on stderr with exit status 1.
            """,
        subcommands: [
            ServeCommand.self, IngestCommand.self, StateCommand.self, TimelineCommand.self, NeighborsCommand.self, RelationsCommand.self,
            EntityCommand.self, DocumentsCommand.self,
            SearchCommand.self, VectorsCommand.self, ExportCommand.self, ImportCommand.self, BackupCommand.self, RestoreCommand.self, MigrateCommand.self,
            MoveCommand.self, SchemaCommand.self, RecoverCommand.self, VerifyCommand.self, BenchCommand.self,
        ]
    )

    /// Runs the command; every failure becomes one sentence on stderr and exit status 1.
    static func runMain() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            await CommandStores.shared.shutdownAll()
        } catch {
            await CommandStores.shared.shutdownAll()
            // A command that printed its own report and only sets the status (apex verify).
            if let status = error as? ExitCode { Glibc.exit(status.rawValue) }
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            Console.error(domainMessage(error) ?? fullMessage(for: error))
            Glibc.exit(1)
        }
    }
}

/// The sentence of an error apex itself raised; nil for argument errors, which ArgumentParser words with usage.
func domainMessage(_ error: any Error) -> String? {
    switch error {
    case let error as QueryError: error.description
    case let error as WriteError: error.description
    case let error as RedisCacheError: error.description
    case let error as IngestError: error.description
    case let error as CLIError: error.description
    case let error as MigrationError: error.description
    case let error as MigrationDirectoryError: error.description
    case let error as VectorMigrationError: error.description
    case let error as VectorSpecError: error.description
    case let error as SQLiteStoreError: error.description
    case let error as PostgresStoreError: error.description
    case let error as OntologyError: error.description
    case let error as ApexCore.RecordError: error.description
    case let error as DatabaseError: "the store failed: \(error.message ?? error.description)"
    case let error as VectorIndexError: error.description
    case let error as DocumentError: error.description
    case let error as DumpError: error.description
    case let error as MoveError: error.description
    case let error as EmbedderError: error.description
    default: nil
    }
}
