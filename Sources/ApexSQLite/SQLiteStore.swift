public import ApexCore
public import ApexMigrations
public import ApexPorts
import Foundation
public import GRDB

/// The embedded store: records, facts and the ontology in one SQLite file (GRDB, WAL mode).
///
/// A `DatabasePool` gives one writer and several concurrent readers, so reads
/// are never queued behind a long ingest. The schema comes only from
/// ``SQLiteMigrations``; ``open(directory:migrate:)`` applies pending ones.
public struct SQLiteStore: TemporalStore {
    /// The file name inside the data directory.
    public static let fileName = "apex.sqlite"
    /// How much of the file each connection maps into memory (SQLite's `mmap_size`); the rest is read with `pread`.
    static let mappedBytes = 1 << 30

    public let pool: DatabasePool
    let cache: SnapshotCache
    /// The types and keys of entity ids read, for traversal rows that carry ids only.
    let entityRefs = EntityRefCache()
    /// The deployment's own migrations (``MigrationFile``), run after apex's.
    var localMigrations: [Migration] = []

    /// Opens (creating if needed) the store in `directory`.
    ///
    /// - Parameters:
    ///   - directory: the data directory; created when missing.
    ///   - migrate: apply pending migrations (and check applied ones) before returning.
    ///   - localMigrations: the deployment's own migrations (versions from ``MigrationFile/firstVersion``), run after apex's.
    public static func open(directory: String, migrate: Bool = true, localMigrations: [Migration] = []) async throws -> SQLiteStore {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SQLiteStoreError.cannotCreateDirectory(path: directory, reason: error.localizedDescription)
        }
        let path = (directory as NSString).appendingPathComponent(fileName)
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.maximumReaderCount = 4
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "PRAGMA cache_size = \(db.configuration.readonly ? -8192 : -65536)")
            // Reads map the file instead of copying each page out of the kernel's cache (one pread per page missed).
            try db.execute(sql: "PRAGMA mmap_size = \(Self.mappedBytes)")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw SQLiteStoreError.cannotOpen(path: path, reason: "\(error)")
        }
        if migrate {
            try await MigrationRunner(target: SQLiteMigrationTarget(writer: pool), migrations: SQLiteMigrations.all + localMigrations).up()
        }
        let cache: SnapshotCache
        do {
            cache = try SnapshotCache(path: path)
        } catch {
            throw SQLiteStoreError.cannotOpen(path: path, reason: "\(error)")
        }
        return SQLiteStore(pool: pool, cache: cache, localMigrations: localMigrations)
    }

    /// The migration runner for this store's schema.
    public var migrator: MigrationRunner<SQLiteMigrationTarget> {
        MigrationRunner(target: SQLiteMigrationTarget(writer: pool), migrations: SQLiteMigrations.all + localMigrations)
    }

    public func ontologySource() async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT source FROM ontology WHERE id = 1")
        }
    }

    public func entity(_ ref: EntityRef) async throws -> EntityHandle? {
        try await pool.read { db in try Self.entity(db, ref) }
    }

    public func entity(id: EntityID) async throws -> EntityHandle? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT type, key FROM entities WHERE id = ?", arguments: [id.blob]) else {
                return nil
            }
            return EntityHandle(id: id, ref: EntityRef(type: row[0], key: row[1]))
        }
    }

    public func entities(after: EntityID?, limit: Int) async throws -> [EntityHandle] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, type, key FROM entities WHERE id > ? ORDER BY id LIMIT ?", arguments: [after?.blob ?? Data(), max(0, limit)])
            return try rows.map { row in EntityHandle(id: try EntityID(blob: row[0]), ref: EntityRef(type: row[1], key: row[2])) }
        }
    }

    public func entityIDs(for refs: Set<EntityRef>) async throws -> [EntityRef: EntityID] {
        try await pool.read { db in
            let find = try db.cachedStatement(sql: "SELECT id FROM entities WHERE type = ? AND key = ?")
            var found: [EntityRef: EntityID] = [:]
            for ref in refs {
                if let blob = try Data.fetchOne(find, arguments: [ref.type, ref.key]) { found[ref] = try EntityID(blob: blob) }
            }
            return found
        }
    }

    public func relationTypesInUse() async throws -> Set<String> {
        try await pool.read { db in
            try String.fetchSet(db, sql: "SELECT DISTINCT relation FROM facts UNION SELECT DISTINCT relation FROM fact_ends")
        }
    }

    public func schemaUsage() async throws -> SchemaUsage {
        try await pool.read { db in
            let types = try String.fetchSet(db, sql: "SELECT DISTINCT type FROM entities")
            let properties = try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT e.type, p.property FROM property_versions p JOIN entities e ON e.id = p.entity_id
                    """
            ).map { PropertyUse(entityType: $0[0], property: $0[1]) }
            let relations = try String.fetchSet(db, sql: "SELECT DISTINCT relation FROM facts UNION SELECT DISTINCT relation FROM fact_ends")
            return SchemaUsage(entityTypes: types, properties: Set(properties), relationTypes: relations)
        }
    }
}

extension EntityID {
    /// The 16-byte blob the SQLite tables store.
    var blob: Data { Data(bytes) }

    init(blob: Data) throws {
        guard let id = blob.withUnsafeBytes({ EntityID(raw: $0) }) else {
            throw SQLiteStoreError.corruptRow(reason: "an entity id is not 16 bytes")
        }
        self = id
    }
}
