public import ApexMigrations
import Foundation
public import Logging
public import PostgresNIO

/// Lets the ``MigrationRunner`` manage a PostgreSQL database.
///
/// Two `apex migrate up` runs against one schema never interleave: the
/// runner's whole run holds a session advisory lock of that schema
/// (`pg_advisory_lock` semantics, taken by polling `pg_try_advisory_lock` so
/// that a waiter holds no snapshot that a `CREATE INDEX CONCURRENTLY` of the
/// holder would wait for). Runs on different schemas of one database take
/// different locks: with one lock for the database, a process holding a
/// snapshot open on one schema while it migrates another could wait for a
/// holder whose concurrent index build waits for that snapshot, and neither
/// would ever go on. A transactional step runs with its history row in one transaction;
/// a non-transactional one (concurrent index builds) runs its statements one
/// by one and then records itself.
public struct PostgresMigrationTarget: MigrationTarget {
    public let client: PostgresClient
    let logger: Logger
    /// Told once when another process holds the lock and this one waits for it.
    public var onWait: @Sendable (String) -> Void = { _ in }

    /// The advisory lock key of migration runs, before the schema's name is mixed in: "apex" in ASCII.
    public static let lockKey: Int64 = 0x6170_6578

    /// The advisory lock key of migration runs on `schema`: ``lockKey`` with the name's FNV-1a hash mixed in.
    public static func lockKey(schema: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in schema.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return lockKey ^ Int64(bitPattern: hash & 0x7fff_ffff_ffff_0000)
    }
    /// The key that serialises creating the history table. It differs from ``lockKey`` so that a runner
    /// waiting here, inside a transaction, never blocks the holder's `CREATE INDEX CONCURRENTLY`.
    static let historyLockKey: Int64 = 0x6170_6579

    public var storeName: String { "postgres" }

    let lease: ConnectionLease
    /// The schema apex's tables are in (the URL's `schema=`), which every `DROP` of a migration names: with `public`
    /// after it on the search path, a `DROP INDEX IF EXISTS` of an index the schema lacks would drop `public`'s.
    let schema: String?

    public init(
        client: PostgresClient, logger: Logger, leaseTimeout: Duration = .seconds(10), schema: String? = nil,
        onWait: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.schema = schema
        self.client = client
        self.logger = logger
        self.lease = ConnectionLease(client: client, timeout: leaseTimeout)
        self.onWait = onWait
    }

    /// `DROP INDEX|TABLE [CONCURRENTLY] [IF EXISTS] name` with `schema.` before an unqualified name; any other statement as it is.
    static func qualifyingDrop(_ statement: String, schema: String) -> String {
        var words = statement.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard words.count >= 3, words[0].uppercased() == "DROP", ["INDEX", "TABLE"].contains(words[1].uppercased()) else { return statement }
        var index = 2
        if words[index].uppercased() == "CONCURRENTLY" { index += 1 }
        if index + 1 < words.count, words[index].uppercased() == "IF", words[index + 1].uppercased() == "EXISTS" { index += 2 }
        guard index < words.count, !words[index].contains(".") else { return statement }
        words[index] = schema + "." + words[index]
        return words.joined(separator: " ")
    }

    public func prepareHistory() async throws {
        try await transaction { connection in
            // Two first runs may both find the table missing: the transaction lock makes one create it.
            try await connection.run("SELECT pg_advisory_xact_lock(\(Self.historyLockKey))", logger: logger)
            if let schema { try await Self.prepare(schema: schema, connection, logger) }
            try await connection.run(
                """
                CREATE TABLE IF NOT EXISTS apex_schema_history (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at text NOT NULL,
                    duration_ms double precision NOT NULL
                )
                """, logger: logger)
        }
    }

    /// With `schema=NAME`: the schema is created when missing (else the tables would land in `public`, next on the
    /// search path), and pgvector lives in `public`, where every apex schema of the database sees its types (created
    /// there, or moved there from the schema of the first apex store that created it).
    static func prepare(schema: String, _ connection: PostgresConnection, _ logger: Logger) async throws {
        // `schema` passed PostgresURL's identifier check ([a-z_][a-z0-9_]*): DDL takes no parameters.
        try await connection.run(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
        let home = try await connection.run(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'", logger: logger
        ).first?.decode(String.self)
        switch home {
        case nil: try await connection.run("CREATE EXTENSION IF NOT EXISTS vector SCHEMA public", logger: logger)
        case "public": break
        default: try await connection.run("ALTER EXTENSION vector SET SCHEMA public", logger: logger)
        }
    }

    public func appliedMigrationsIfAny() async throws -> [AppliedMigration] {
        let logger = self.logger
        let exists = try await lease.leased { connection in
            try await connection.run("SELECT to_regclass('apex_schema_history') IS NOT NULL", logger: logger)
        }.first?.decode(Bool.self) ?? false
        return exists ? try await appliedMigrations() : []
    }

    /// The statements one by one, each `DROP` naming the store's schema (see ``schema``).
    public func statements(of migration: Migration, direction: MigrationDirection) -> [String] {
        SQLStatements.split(direction == .up ? migration.up : migration.down).map { statement in
            schema.map { Self.qualifyingDrop(statement, schema: $0) } ?? statement
        }
    }

    public func appliedMigrations() async throws -> [AppliedMigration] {
        do {
            let logger = self.logger
            return try await lease.leased { connection in
                try await connection.run("SELECT version, name, checksum, applied_at, duration_ms FROM apex_schema_history ORDER BY version", logger: logger)
            }.map { row in
                let (version, name, checksum, appliedAt, duration) = try row.decode((Int32, String, String, String, Double).self)
                return AppliedMigration(version: Int(version), name: name, checksum: checksum, appliedAt: appliedAt, durationMilliseconds: duration)
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
    }

    public func run(_ migration: Migration, direction: MigrationDirection, record: AppliedMigration) async throws {
        let statements = self.statements(of: migration, direction: direction)
        let logger = self.logger
        do {
            if migration.transactional {
                try await transaction { connection in
                    guard try await Self.needsStep(migration, direction, connection, logger) else { return }
                    let start = ContinuousClock.now
                    for statement in statements {
                        try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await Self.recordStep(migration, direction, record, since: start, connection, logger)
                }
            } else {
                try await lease.leased { connection in
                    guard try await Self.needsStep(migration, direction, connection, logger) else { return }
                    let start = ContinuousClock.now
                    for statement in statements {
                        try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await Self.recordStep(migration, direction, record, since: start, connection, logger)
                }
            }
        } catch let error as PSQLError {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
    }

    public func withMigrationLock<Result: Sendable>(_ body: @Sendable () async throws -> Result) async throws -> Result {
        // `leased` waits for its work to finish before it returns, so the body does not outlive this call.
        try await withoutActuallyEscaping(body) { body in try await locked(body) }
    }

    private func locked<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let logger = self.logger
        let onWait = self.onWait
        let schema = self.schema
        return try await lease.leased { connection in
            let key = Self.lockKey(schema: try await Self.schemaName(schema, connection, logger))
            var told = false
            while try await !Self.tryLock(key, connection, logger) {
                if !told {
                    onWait("another apex holds the migration lock of this database; waiting for it to finish")
                    told = true
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            do {
                let result = try await body()
                try await connection.run("SELECT pg_advisory_unlock(\(key))", logger: logger)
                return result
            } catch {
                _ = try? await connection.run("SELECT pg_advisory_unlock(\(key))", logger: logger)
                throw error
            }
        }
    }

    private static func tryLock(_ key: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws -> Bool {
        let rows = try await connection.run("SELECT pg_try_advisory_lock(\(key))", logger: logger)
        return try rows.first?.decode(Bool.self) ?? false
    }

    /// `schema`, or the first schema of the connection's search path (where the tables go without one).
    private static func schemaName(_ schema: String?, _ connection: PostgresConnection, _ logger: Logger) async throws -> String {
        if let schema { return schema }
        return try await connection.run("SELECT current_schema()", logger: logger).first?.decode(String?.self) ?? "public"
    }

    private static func needsStep(_ migration: Migration, _ direction: MigrationDirection, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> Bool
    {
        let version = Int32(migration.version)
        let applied = try await !connection.run("SELECT 1 FROM apex_schema_history WHERE version = \(version)", logger: logger).isEmpty
        return direction == .up ? !applied : applied
    }

    private static func recordStep(
        _ migration: Migration, _ direction: MigrationDirection, _ record: AppliedMigration, since start: ContinuousClock.Instant,
        _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        let version = Int32(migration.version)
        switch direction {
        case .up:
            let elapsed = ContinuousClock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            try await connection.run(
                """
                INSERT INTO apex_schema_history (version, name, checksum, applied_at, duration_ms)
                VALUES (\(version), \(record.name), \(record.checksum), \(record.appliedAt), \(milliseconds))
                """, logger: logger)
        case .down:
            try await connection.run("DELETE FROM apex_schema_history WHERE version = \(version)", logger: logger)
        }
    }

    private func transaction(_ body: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws {
        try await lease.inTransaction(logger: logger, body)
    }
}
