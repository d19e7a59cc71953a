public import ApexCore
public import ApexMigrations
public import ApexPorts
import Foundation
public import Logging
public import PostgresNIO

/// The PostgreSQL adapter: records, facts, documents (tsvector full-text) and the ontology in one PostgreSQL database.
///
/// It talks through PostgresNIO's connection pool (`PostgresClient`), whose
/// run loop the store starts when it connects and stops in ``shutdown()``.
/// Every statement is parameterized; the snapshot behind `state` and
/// `timeline` is one prepared statement. The schema comes only from
/// ``PostgresMigrations``; ``connect(url:migrate:connectTimeout:leaseTimeout:logger:)``
/// applies pending ones under the advisory lock.
public struct PostgresStore: TemporalStore {
    public let client: PostgresClient
    public let url: PostgresURL
    let lifetime: ClientLifetime
    let logger: Logger
    /// The types and keys of the entity ids read so far (they never change).
    let entityRefs = EntityRefCache()
    /// The relations whose facts a snapshot reads later facts for, from the stored ontology.
    let laterFactSides = LaterFactSides()
    /// How long a call waits for a pooled connection before it fails as "no connection" (HTTP 503).
    var leaseTimeout: Duration = .seconds(10)
    /// The deployment's own migrations (``MigrationFile``), run after apex's.
    var localMigrations: [Migration] = []

    /// The pool with the store's bound on waiting for a connection.
    var lease: ConnectionLease { ConnectionLease(client: client, timeout: leaseTimeout) }

    /// Connects (failing with one sentence when the server is unreachable or refuses), then migrates when asked.
    ///
    /// - Parameters:
    ///   - connectTimeout: how long the first connection may take.
    ///   - leaseTimeout: how long a later call waits for a pooled connection (the server went away, or all are busy).
    public static func connect(
        url text: String, migrate: Bool = true, localMigrations: [Migration] = [], connectTimeout: Duration = .seconds(5),
        leaseTimeout: Duration = .seconds(10), logger: Logger = PostgresStore.defaultLogger
    ) async throws -> PostgresStore {
        let url = try PostgresURL(text)
        try await probe(url, timeout: connectTimeout, logger: logger)
        let client = PostgresClient(configuration: try url.clientConfiguration(connectTimeout: connectTimeout, maximumConnections: 16), backgroundLogger: logger)
        let store = PostgresStore(
            client: client, url: url, lifetime: ClientLifetime(client), logger: logger, leaseTimeout: leaseTimeout, localMigrations: localMigrations)
        if migrate {
            do {
                try await store.migrator.up()
            } catch {
                await store.shutdown()
                throw error
            }
        }
        return store
    }

    /// The pool's background logger: errors only, since the store reports failures itself as sentences.
    public static var defaultLogger: Logger {
        var logger = Logger(label: "apex.postgres")
        logger.logLevel = .error
        return logger
    }

    /// Stops the connection pool. The store must not be used afterwards.
    public func shutdown() async {
        await lifetime.stop()
    }

    /// The migration runner for this store's schema.
    public var migrator: MigrationRunner<PostgresMigrationTarget> {
        MigrationRunner(
            target: PostgresMigrationTarget(client: client, logger: logger, leaseTimeout: leaseTimeout, schema: url.schema),
            migrations: PostgresMigrations.all + localMigrations)
    }

    /// One connection made and closed directly, so that a wrong URL or a dead server is an error now, not a pool that waits.
    static func probe(_ url: PostgresURL, timeout: Duration, logger: Logger) async throws {
        let configuration = try url.connectionConfiguration(connectTimeout: timeout)
        let outcome: Result<Void, any Error>? = await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                    try? await connection.close()
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                // A little past the socket's own connect timeout: this one catches a server that accepts but never answers.
                try? await Task.sleep(for: timeout + .milliseconds(500))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch outcome {
        case .success: return
        case .failure(let error):
            let reason = PostgresStoreError.connectReason(error)
            if reason.lowercased().contains("timeout") || reason.contains("timed out") {
                throw PostgresStoreError.unreachable(server: url.server, seconds: Int(timeout.components.seconds))
            }
            throw PostgresStoreError.cannotConnect(server: url.server, reason: reason)
        case nil: throw PostgresStoreError.unreachable(server: url.server, seconds: Int(timeout.components.seconds))
        }
    }

    /// Runs a query, turning PostgresNIO's errors into the store's.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let logger = self.logger
        do {
            return try await lease.leased { connection in try await connection.run(query, logger: logger) }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
    }

    public func ontologySource() async throws -> String? {
        try await rows("SELECT source FROM ontology WHERE id = 1").first?.decode(String.self)
    }

    public func entity(_ ref: EntityRef) async throws -> EntityHandle? {
        // PostgreSQL's text cannot hold NUL, and no stored key has one (the record decoder refuses it).
        guard !ref.type.containsNUL, !ref.key.containsNUL else { return nil }
        let found = try await rows("SELECT id FROM entities WHERE type = \(ref.type) AND key = \(ref.key)")
        return try found.first.map { EntityHandle(id: EntityID(uuid: try $0.decode(UUID.self)), ref: ref) }
    }

    public func entity(id: EntityID) async throws -> EntityHandle? {
        let found = try await rows("SELECT type, key FROM entities WHERE id = \(id.uuid)")
        return try found.first.map {
            let (type, key) = try $0.decode((String, String).self)
            return EntityHandle(id: id, ref: EntityRef(type: type, key: key))
        }
    }

    public func entities(after: EntityID?, limit: Int) async throws -> [EntityHandle] {
        let limit = max(0, limit)
        guard let after else { return try await rows("SELECT id, type, key FROM entities ORDER BY id LIMIT \(limit)").map(Self.handle) }
        return try await rows("SELECT id, type, key FROM entities WHERE id > \(after.uuid) ORDER BY id LIMIT \(limit)").map(Self.handle)
    }

    public func entityIDs(for refs: Set<EntityRef>) async throws -> [EntityRef: EntityID] {
        var found: [EntityRef: EntityID] = [:]
        let all = Array(refs)
        var start = 0
        while start < all.count {
            let chunk = all[start..<min(start + 10_000, all.count)]
            start += chunk.count
            let wanted = JSONValue.array(chunk.map { .object([("type", .string($0.type)), ("key", .string($0.key))]) })
            for handle in try await rows(
                """
                SELECT e.id, e.type, e.key FROM jsonb_to_recordset(\(JSONWriter.string(wanted))::jsonb) AS r (type text, key text)
                JOIN entities e ON e.type = r.type AND e.key = r.key
                """
            ).map(Self.handle) {
                found[handle.ref] = handle.id
            }
        }
        return found
    }

    public func relationTypesInUse() async throws -> Set<String> {
        Set(try await rows("SELECT DISTINCT relation FROM facts UNION SELECT DISTINCT relation FROM fact_ends").map { try $0.decode(String.self) })
    }

    public func schemaUsage() async throws -> SchemaUsage {
        let types = try await rows("SELECT DISTINCT type FROM entities").map { try $0.decode(String.self) }
        let properties = try await rows(
            "SELECT DISTINCT e.type, p.property FROM property_versions p JOIN entities e ON e.id = p.entity_id"
        ).map {
            let (type, property) = try $0.decode((String, String).self)
            return PropertyUse(entityType: type, property: property)
        }
        return SchemaUsage(entityTypes: Set(types), properties: Set(properties), relationTypes: try await relationTypesInUse())
    }

    /// The entity whose id, type and key are the row's first three columns.
    static func handle(_ row: PostgresRow) throws -> EntityHandle {
        let (id, type, key) = try row.decode((UUID, String, String).self)
        return EntityHandle(id: EntityID(uuid: id), ref: EntityRef(type: type, key: key))
    }
}

/// Runs the client's pool for as long as the store lives.
final class ClientLifetime: Sendable {
    private let task: Task<Void, Never>

    init(_ client: PostgresClient) {
        task = Task { await client.run() }
    }

    func stop() async {
        task.cancel()
        await task.value
    }
}

extension EntityID {
    /// The `uuid` the PostgreSQL tables store.
    var uuid: UUID {
        let b = bytes
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    init(uuid: UUID) {
        let value = uuid.uuid
        let high = [value.0, value.1, value.2, value.3, value.4, value.5, value.6, value.7].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = [value.8, value.9, value.10, value.11, value.12, value.13, value.14, value.15].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        self.init(high: high, low: low)
    }
}
