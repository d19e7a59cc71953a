import ApexCore
import ApexEngine
import ApexPorts
import ApexSQLite
import ArgumentParser
import Foundation

/// `apex backup PATH`: a copy of the memory to restore from.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back the memory up: a SQLite file on the embedded store, an export directory with vectors on servers.",
        discussion: """
            On the embedded store alone, PATH becomes a copy of the SQLite file made by SQLite's online backup API: one consistent \
            moment, taken while apex serve goes on writing. With --database-url or --graph-url, PATH becomes an export directory \
            (apex export --vectors). apex restore PATH brings either back.
            """
    )

    @Argument(help: "The backup file (embedded store) or directory (servers) to create.")
    var path: String

    @OptionGroup var options: DataOptions

    func run() async throws {
        let memory = try await options.openService(mustExist: true)
        let started = ContinuousClock.now
        // During a move the backup is of the configured stores (the move's source).
        let configured = (memory.store as? MovingStore)?.source ?? memory.store
        if options.postgresURL == nil, options.falkorURL == nil, let store = configured as? SQLiteStore {
            try store.backup(to: path)
            let seconds = (ContinuousClock.now - started) / .seconds(1)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            Console.answer(.object([("backup", .string(path)), ("kind", .string("sqlite")), ("bytes", .integer(Int64(size))), ("seconds", .number(seconds))]))
            return
        }
        let manifest = try await MemoryExporter(store: configured).export(to: path, vectors: true)
        Console.answer(.object([("backup", .string(path)), ("kind", .string("export")), ("counts", manifest.counts.json)]))
    }
}

/// `apex restore PATH`: a backup back into empty stores.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into empty stores: a SQLite backup file into --data, an export directory into the configured stores.",
        discussion: """
            A SQLite file is checked (SQLite's integrity check, apex's schema) and becomes the store of --data, which must not hold one \
            (the vector index is rebuilt from the stored vectors on first use). A directory is imported as apex import does.
            """
    )

    @Argument(help: "The backup file or export directory.")
    var path: String

    @OptionGroup var options: DataOptions
    @OptionGroup var embedding: EmbedderOptions

    func run() async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CLIError.cannotRead(path: path, reason: "no such file or directory") }
        if isDirectory.boolValue {
            let manifest = try DumpManifest.read(directory: path)
            let memory = try await options.openService(mustExist: false)
            let summary = try await ImportCommand.importDump(path, manifest: manifest, memory: memory, options: options, embedding: embedding)
            Console.answer(.object([("restored", .string(path)), ("kind", .string("export")), ("counts", summary.counts.json)]))
            return
        }
        guard options.postgresURL == nil, options.falkorURL == nil else {
            throw CLIError.badArgument("\(path) is a SQLite backup: it restores into the embedded store only; drop --database-url and --graph-url")
        }
        let entities = try SQLiteStore.restore(backup: path, into: options.directory)
        // Opening applies migrations newer than the backup and finishes what it left half done.
        _ = try await options.openService(mustExist: true)
        Console.answer(.object([("restored", .string(path)), ("kind", .string("sqlite")), ("data", .string(options.directory)), ("entities", .integer(Int64(entities)))]))
    }
}
