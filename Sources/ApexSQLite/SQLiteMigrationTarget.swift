public import ApexMigrations
import Foundation
public import GRDB

/// Lets the ``MigrationRunner`` manage a SQLite database.
///
/// Each step runs in one immediate transaction together with its history
/// row, so a step is either wholly applied and recorded or not at all, and a
/// second process that waits on the write lock sees the step done and skips it.
public struct SQLiteMigrationTarget: MigrationTarget {
    public let writer: any DatabaseWriter
    public var storeName: String { "sqlite" }

    public init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    public func prepareHistory() async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS apex_schema_history (
                        version INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        checksum TEXT NOT NULL,
                        applied_at TEXT NOT NULL,
                        duration_ms REAL NOT NULL
                    )
                    """)
        }
    }

    public func appliedMigrationsIfAny() async throws -> [AppliedMigration] {
        let exists = try await writer.read { db in try db.tableExists("apex_schema_history") }
        return exists ? try await appliedMigrations() : []
    }

    public func appliedMigrations() async throws -> [AppliedMigration] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT version, name, checksum, applied_at, duration_ms FROM apex_schema_history ORDER BY version")
                .map { row in
                    AppliedMigration(
                        version: row[0], name: row[1], checksum: row[2], appliedAt: row[3], durationMilliseconds: row[4])
                }
        }
    }

    public func run(_ migration: Migration, direction: MigrationDirection, record: AppliedMigration) async throws {
        let body: @Sendable (Database) throws -> Void = { db in
            let applied = try Bool.fetchOne(db, sql: "SELECT 1 FROM apex_schema_history WHERE version = ?", arguments: [migration.version]) ?? false
            switch direction {
            case .up:
                guard !applied else { return }
                let start = ContinuousClock.now
                try db.execute(sql: migration.up)
                let elapsed = ContinuousClock.now - start
                let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                try db.execute(
                    sql: "INSERT INTO apex_schema_history (version, name, checksum, applied_at, duration_ms) VALUES (?, ?, ?, ?, ?)",
                    arguments: [record.version, record.name, record.checksum, record.appliedAt, milliseconds])
            case .down:
                guard applied else { return }
                try db.execute(sql: migration.down)
                try db.execute(sql: "DELETE FROM apex_schema_history WHERE version = ?", arguments: [migration.version])
            }
        }
        if migration.transactional {
            try await writer.write(body)
        } else {
            try await writer.writeWithoutTransaction(body)
        }
    }

    public func withMigrationLock<Result: Sendable>(_ body: @Sendable () async throws -> Result) async throws -> Result {
        // SQLite serialises writers itself; each step re-checks the history inside its write transaction.
        try await body()
    }
}
