import ApexCore
import ApexEngine
import ApexFalkorDB
import ApexMigrations
import ApexPorts
import ApexPostgres
import ApexRedis
import ApexSQLite
import ApexVector
import ArgumentParser
import Foundation

/// The `--data` and `--database-url` options every command shares, and opening the store they name.
///
/// Without a database URL the memory is the embedded SQLite file in the data
/// directory; with one, records, facts, documents and vectors live in that
/// PostgreSQL database (which needs the `vector` extension).
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory of the embedded store (default: $APEX_DATA or ./apex-data).")
    var data: String?

    @Option(
        name: .customLong("database-url"),
        help: "postgres://user:password@host:5432/database: keep records, facts, documents and vectors in PostgreSQL with pgvector instead (default: $APEX_DATABASE_URL).")
    var databaseURL: String?

    @Option(
        name: .customLong("graph-url"),
        help: """
            falkordb://[user:password@]host:6379/GRAPH: keep facts and their ends in this FalkorDB graph (graphiti-core's layout; \
            GRAPH is also the group_id, letters, digits and _; default apex), the rest in the embedded store or PostgreSQL \
            (default: $APEX_GRAPH_URL).
            """)
    var graphURL: String?

    @Option(
        name: .customLong("cache-url"),
        help: """
            redis://[user:password@]host:6379[/db]: share a cache of answers with every apex process over the same stores \
            through this Redis; memory:// for a cache in this process only (one apex serve over stores nothing else writes). \
            Every process that writes must be given it too (default: $APEX_CACHE_URL; none).
            """)
    var cacheURL: String?

    @Option(
        name: .customLong("cache-namespace"),
        help: "Tells apart memories sharing one Redis database: letters, digits, _ and - (default: $APEX_CACHE_NAMESPACE or default).")
    var cacheNamespace: String?

    @Option(
        name: .customLong("cache-ttl"),
        help: """
            CLASS=SECONDS, repeatable: the lifetime of a cache class's entries (entity_metadata 3600, query_result 300, \
            temporal_facts 1800), each jittered by 10 %.
            """)
    var cacheTTLs: [String] = []

    @Flag(
        inversion: .prefixedNo,
        help: """
            On PostgreSQL, store and index vectors as halfvec (2-byte floats: about half the index; 3,072-dimension vectors \
            always are); --no-halfvec goes back to vector. Either re-indexes the stored vectors once; without them the \
            database keeps the precision it has (vector in a new one).
            """)
    var halfvec: Bool?

    @Option(
        name: .customLong("migrations"),
        help: """
            The directory of this deployment's own migrations: sqlite/, postgres/ and graph/ subdirectories of VERSION_NAME.sql \
            (.cypher for the graph) files that apex migrate create writes, applied after apex's own (default: $APEX_MIGRATIONS \
            or ./migrations; a missing directory holds none).
            """)
    var migrations: String?

    func validate() throws {
        _ = try cacheSettings()
        if halfvec != nil, postgresURL == nil {
            throw ValidationError("--\(halfvec == true ? "" : "no-")halfvec applies to PostgreSQL only: give --database-url or set APEX_DATABASE_URL")
        }
    }

    /// The directory in effect.
    var directory: String {
        data ?? ProcessInfo.processInfo.environment["APEX_DATA"].flatMap { $0.isEmpty ? nil : $0 } ?? "./apex-data"
    }

    /// The deployment's migrations directory in effect.
    var migrationDirectory: MigrationDirectory {
        MigrationDirectory(path: migrations ?? ProcessInfo.processInfo.environment["APEX_MIGRATIONS"].flatMap { $0.isEmpty ? nil : $0 } ?? "./migrations")
    }

    /// The deployment's own migrations of one store, in version order.
    func localMigrations(_ store: MigrationDirectory.Store) throws -> [Migration] {
        try migrationDirectory.migrations(of: store)
    }

    /// The PostgreSQL URL in effect, nil for the embedded store.
    /// An empty `--database-url ''` means none, whatever the environment says.
    var postgresURL: String? {
        if let databaseURL { return databaseURL.isEmpty ? nil : databaseURL }
        return ProcessInfo.processInfo.environment["APEX_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The FalkorDB graph URL in effect, nil when facts stay with the records.
    /// An empty `--graph-url ''` means none, whatever the environment says.
    var falkorURL: String? {
        if let graphURL { return graphURL.isEmpty ? nil : graphURL }
        return ProcessInfo.processInfo.environment["APEX_GRAPH_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Opens the stores, applying pending migrations, and finishes or undoes the writes an earlier process left half done
    /// (it crashed or was killed); with `mustExist`, a missing embedded store is an error.
    ///
    /// During a move (`apex move`) the store is a ``MovingStore`` over the configured stores and the move's target;
    /// with `followsMoves` (apex serve) it is one always, so that a move started later is followed without a restart.
    func openService(mustExist: Bool, followsMoves: Bool = false) async throws -> MemoryService {
        let configured = try await openStore(mustExist: mustExist)
        let store = try await MoveStores.wrap(configured, always: followsMoves)
        let memory = MemoryService(store: store, cache: try await openCache())
        let recovered = try await memory.recoverInterruptedWrites()
        if !recovered.isEmpty {
            let finished = recovered.filter { $0.outcome == .committed }.count
            Console.error("recovered \(recovered.count) interrupted write(s): \(finished) finished, \(recovered.count - finished) undone")
        }
        return memory
    }

    /// The cache URL in effect, nil for none.
    var cacheURLInEffect: String? {
        cacheURL ?? ProcessInfo.processInfo.environment["APEX_CACHE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The cache's lifetimes from --cache-ttl.
    func cacheSettings() throws -> CacheSettings {
        var ttls: [CacheClass: Duration] = [:]
        for text in cacheTTLs {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let cacheClass = CacheClass(rawValue: parts[0]) else {
                throw ValidationError(
                    "--cache-ttl \(text) is not CLASS=SECONDS with CLASS one of \(CacheClass.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let seconds = Int(parts[1]), seconds > 0 else { throw ValidationError("--cache-ttl \(text): the seconds must be a positive whole number") }
            ttls[cacheClass] = .seconds(seconds)
        }
        return CacheSettings(ttls: ttls)
    }

    /// The cache of --cache-url, or nil without one. An unreachable Redis is no error here: reads fall back to the stores.
    func openCache() async throws -> MemoryCache? {
        guard let url = cacheURLInEffect else { return nil }
        let settings = try cacheSettings()
        if url == "memory://" { return MemoryCache(store: InProcessCacheStore(writeLease: settings.writeLease), settings: settings) }
        let namespace = cacheNamespace ?? ProcessInfo.processInfo.environment["APEX_CACHE_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let store = try await CommandStores.shared.redis(url: url, namespace: namespace, writeLease: settings.writeLease)
        return MemoryCache(store: store, settings: settings)
    }

    /// The record store (embedded or PostgreSQL), composed with the FalkorDB graph when one is configured.
    func openStore(mustExist: Bool) async throws -> any TemporalStore {
        let records: any TemporalStore
        if let postgresURL {
            records = try await CommandStores.shared.postgres(url: postgresURL, migrate: true, localMigrations: try localMigrations(.postgres))
        } else {
            if mustExist {
                let file = (directory as NSString).appendingPathComponent(SQLiteStore.fileName)
                guard FileManager.default.fileExists(atPath: file) else { throw CLIError.noMemory(directory: directory) }
            }
            records = try await SQLiteStore.open(directory: directory, localMigrations: try localMigrations(.sqlite))
        }
        guard let falkorURL else { return records }
        let graph = try await CommandStores.shared.falkor(url: falkorURL, migrate: true, localMigrations: try localMigrations(.graph))
        return ComposedStore(records: records, graph: graph)
    }

    /// The document service over the memory's store with the configured embedder, and what to call before exiting.
    ///
    /// On PostgreSQL the vectors are indexed by pgvector (caught up with the
    /// stored chunks first, should an earlier run have stopped between the two);
    /// embedded, by the in-process HNSW index of the live collection version
    /// (docs/vectors.md), whose graph is saved as `vector-index.bin` (version 1)
    /// or `vector-index-vN.bin` in the data directory when the command ends.
    /// Without embedder options the embedded store embeds with the live
    /// version's embedder when it can make it (the offline one, any dimension).
    func documentService(_ memory: MemoryService, _ options: EmbedderOptions) async throws -> (DocumentService, finish: @Sendable () async throws -> Void) {
        let store = memory.store
        // During a move documents stay with the configured stores (MovingStore refuses their writes until it ends).
        let configured = (store as? MovingStore)?.source ?? store
        let records = (configured as? ComposedStore)?.records ?? configured
        let load: @Sendable () async throws -> [VectorItem] = {
            try await store.allChunkVectors().map { VectorItem(id: $0.rowID, vector: $0.vector, payload: $0.metadata) }
        }
        if let postgres = records as? PostgresStore {
            let embedder = try options.make()
            let dimension = embedder.identity.dimension
            var precision: VectorPrecision = halfvec == true ? .half : .single
            if halfvec == nil { precision = try await PgVectorStore(store: postgres, dimension: dimension).storedPrecision() }
            let vectors = PgVectorStore(store: postgres, dimension: dimension, precision: precision)
            let stored = try await postgres.embedder()
            if stored == nil || stored == embedder.identity {
                let kind = vectors.rowPrecision.rawValue
                try await vectors.catchUp(to: try await postgres.vectorGeneration()) {
                    let items = try await load()
                    // Rebuilding a large table takes a while: say so before it starts.
                    if !items.isEmpty { Console.error("indexing \(items.count) stored vectors in pgvector as \(kind)") }
                    return items
                }
            }
            return (DocumentService(store: store, vectors: vectors, embedder: embedder, cache: memory.cache), { })
        }
        guard let collections = records as? any VectorCollectionStore else {
            throw CLIError.badArgument("this record store keeps no vector collection versions")
        }
        let fallback = VectorCollectionSpec(embedder: try options.make().identity)
        let directory = self.directory
        let router = LiveVersionRouter(
            live: { try await VectorMigration.live(collections: collections, documents: store, fallback: fallback) },
            make: { version in
                let spec = version.spec
                let embedder = try options.make(matching: spec.embedder)
                let vectors = EmbeddedVectorStore(
                    dimension: spec.embedder.dimension, parameters: HNSWParameters(m: spec.m, efConstruction: spec.efConstruction),
                    cacheFile: (directory as NSString).appendingPathComponent(EmbeddedVectorStore.fileName(version: version.version)),
                    generation: { try await store.vectorGeneration() }, loader: load, quantized: spec.precision == .int8,
                    floats: { try await store.chunkVectors($0) })
                return VectorRoute(version: version.version, embedder: embedder, vectors: vectors, flush: { try await vectors.flush() })
            })
        return (DocumentService(store: store, router: router, cache: memory.cache), { try await router.flush() })
    }
}

/// The server stores a command opened (PostgreSQL, FalkorDB), shut down before the process exits so that the servers see clean disconnects.
actor CommandStores {
    static let shared = CommandStores()
    private var postgresStores: [PostgresStore] = []
    private var falkorStores: [FalkorDBStore] = []
    private var redisStores: [RedisCacheStore] = []

    func postgres(url: String, migrate: Bool, localMigrations: [Migration] = []) async throws -> PostgresStore {
        let store = try await PostgresStore.connect(url: url, migrate: migrate, localMigrations: localMigrations)
        postgresStores.append(store)
        return store
    }

    func falkor(url: String, migrate: Bool, localMigrations: [Migration] = []) async throws -> FalkorDBStore {
        let store = try await FalkorDBStore.connect(url: url, migrate: migrate, localMigrations: localMigrations)
        falkorStores.append(store)
        return store
    }

    func redis(url: String, namespace: String, writeLease: Duration) throws -> RedisCacheStore {
        let store = try RedisCacheStore.connect(url: url, namespace: namespace, writeLease: writeLease)
        redisStores.append(store)
        return store
    }

    func shutdownAll() async {
        for store in redisStores { await store.shutdown() }
        redisStores.removeAll()
        for store in postgresStores { await store.shutdown() }
        for store in falkorStores { await store.shutdown() }
        postgresStores.removeAll()
        falkorStores.removeAll()
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
