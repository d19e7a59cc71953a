import ApexCore
import ApexEngine
import ApexPorts
import ApexSQLite
import ApexVector
import ArgumentParser
import Foundation

/// The `--data` option every command shares, and opening the store it names.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory (default: $APEX_DATA or ./apex-data).")
    var data: String?

    /// The directory in effect.
    var directory: String {
        data ?? ProcessInfo.processInfo.environment["APEX_DATA"].flatMap { $0.isEmpty ? nil : $0 } ?? "./apex-data"
    }

    /// Opens the store, applying pending migrations; with `mustExist`, a missing store is an error.
    func openService(mustExist: Bool) async throws -> MemoryService {
        if mustExist {
            let file = (directory as NSString).appendingPathComponent(SQLiteStore.fileName)
            guard FileManager.default.fileExists(atPath: file) else { throw CLIError.noMemory(directory: directory) }
        }
        return MemoryService(store: try await SQLiteStore.open(directory: directory))
    }
}

extension MemoryService {
    /// The document service over the same store, with the configured embedder and the in-process HNSW index,
    /// whose graph is saved as `vector-index.bin` in the data directory.
    func documentService(_ options: EmbedderOptions, directory: String) throws -> (DocumentService, EmbeddedVectorStore) {
        let store = self.store
        let embedder = try options.make()
        let vectors = EmbeddedVectorStore(
            dimension: embedder.identity.dimension, cacheFile: (directory as NSString).appendingPathComponent("vector-index.bin"),
            generation: { try await store.vectorGeneration() }
        ) {
            try await store.allChunkVectors().map { VectorItem(id: $0.rowID, vector: $0.vector, payload: $0.metadata) }
        }
        return (DocumentService(store: store, vectors: vectors, embedder: embedder), vectors)
    }
}

/// Errors of the command line itself. Each reads as one sentence.
enum CLIError: Error, CustomStringConvertible {
    case noMemory(directory: String)
    case cannotRead(path: String, reason: String)
    case badArgument(String)

    var description: String {
        switch self {
        case .noMemory(let directory): "there is no memory in \(directory); run apex ingest FILE --ontology ONTOLOGY first"
        case .cannotRead(let path, let reason): "cannot read \(path): \(reason)"
        case .badArgument(let message): message
        }
    }
}

/// Parses the time options of the query commands.
enum TimeArgument {
    static func parse(_ text: String?, option: String) throws -> Timestamp? {
        guard let text else { return nil }
        guard let time = Timestamp.parseQueryTime(text) else { throw QueryError.badTime(field: option, value: text) }
        return time
    }

    static func entity(_ path: String) throws -> EntityRef {
        guard let ref = EntityRef(path: path) else { throw QueryError.badEntityPath(path) }
        return ref
    }
}
