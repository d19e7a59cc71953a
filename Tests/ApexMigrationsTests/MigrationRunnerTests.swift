import ApexMigrations
import ApexSQLite
import ApexTesting
import Foundation
import GRDB
import Testing

/// The migration runner against a real SQLite file: up, down, re-up, status, checksum mismatch, history rows.
@Suite struct MigrationRunnerTests {
    static let list = [
        Migration(version: 1, name: "create_trucks", up: "CREATE TABLE trucks (id INTEGER PRIMARY KEY, unit TEXT NOT NULL);", down: "DROP TABLE trucks;"),
        Migration(version: 2, name: "index_trucks", up: "CREATE UNIQUE INDEX trucks_unit ON trucks (unit);", down: "DROP INDEX trucks_unit;"),
        Migration(version: 3, name: "add_miles", up: "ALTER TABLE trucks ADD COLUMN miles INTEGER;", down: "ALTER TABLE trucks DROP COLUMN miles;"),
    ]

    func makeQueue() throws -> DatabaseQueue {
        let path = (try SpecFixtures.temporaryDirectory() as NSString).appendingPathComponent("migrations.sqlite")
        return try DatabaseQueue(path: path)
    }

    func tables(_ queue: DatabaseQueue) throws -> Set<String> {
        try queue.read { db in
            try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%'")
        }
    }

    @Test func upAppliesEveryMigrationInOrderAndRecordsHistory() async throws {
        let queue = try makeQueue()
        let runner = MigrationRunner(target: SQLiteMigrationTarget(writer: queue), migrations: Self.list.reversed())
        let steps = try await runner.up()
        #expect(steps.map(\.version) == [1, 2, 3])
        #expect(try tables(queue) == ["apex_schema_history", "trucks", "trucks_unit"])
        let history = try await runner.target.appliedMigrations()
        #expect(history.map(\.version) == [1, 2, 3])
        #expect(history.map(\.name) == ["create_trucks", "index_trucks", "add_miles"])
        #expect(history.map(\.checksum) == Self.list.map(\.checksum))
        #expect(history.allSatisfy { $0.checksum.count == 64 && $0.durationMilliseconds >= 0 })
        #expect(history.allSatisfy { $0.appliedAt.hasSuffix("Z") && $0.appliedAt.hasPrefix("20") })
        #expect(try await runner.up().isEmpty)
    }

    @Test func upToAVersionStopsThere() async throws {
        let queue = try makeQueue()
        let runner = MigrationRunner(target: SQLiteMigrationTarget(writer: queue), migrations: Self.list)
        #expect(try await runner.up(to: 2).map(\.version) == [1, 2])
        #expect(try await runner.status().map(\.state) == [.applied, .applied, .pending])
        await #expect(throws: MigrationError.unknownTarget(store: "sqlite", version: 9)) { try await runner.up(to: 9) }
    }

    @Test func downRollsBackOneStepOrToAVersionAndReUpRestores() async throws {
        let queue = try makeQueue()
        let runner = MigrationRunner(target: SQLiteMigrationTarget(writer: queue), migrations: Self.list)
        try await runner.up()
        #expect(try await runner.down().map(\.version) == [3])
        #expect(try await runner.status().map(\.state) == [.applied, .applied, .pending])
        #expect(try await runner.down(to: 0).map(\.version) == [2, 1])
        #expect(try tables(queue) == ["apex_schema_history"])
        #expect(try await runner.target.appliedMigrations().isEmpty)
        #expect(try await runner.down().isEmpty)
        #expect(try await runner.up().map(\.version) == [1, 2, 3])
        #expect(try tables(queue) == ["apex_schema_history", "trucks", "trucks_unit"])
        try await queue.write { db in try db.execute(sql: "INSERT INTO trucks (unit, miles) VALUES ('6520', 1)") }
    }

    @Test func statusReportsPendingAppliedAndUnknown() async throws {
        let queue = try makeQueue()
        let runner = MigrationRunner(target: SQLiteMigrationTarget(writer: queue), migrations: Self.list)
        #expect(try await runner.status().map(\.state) == [.pending, .pending, .pending])
        try await runner.up()
        let older = MigrationRunner(target: SQLiteMigrationTarget(writer: queue), migrations: Array(Self.list.prefix(2)))
        let status = try await older.status()
        #expect(status.map(\.state) == [.applied, .applied, .unknown])
        await #expect(throws: MigrationError.unknownAppliedVersion(store: "sqlite", version: 3, name: "add_miles")) { try await older.up() }
    }

    @Test func aChangedAppliedMigrationIsAChecksumMismatchAndNothingRuns() async throws {
        let queue = try makeQueue()
        try await MigrationRunner(target: SQLiteMigrationTarget(writer: queue), migrations: Array(Self.list.prefix(2))).up()
        var edited = Self.list
        edited[0] = Migration(
            version: 1, name: "create_trucks", up: "CREATE TABLE trucks (id INTEGER PRIMARY KEY, unit TEXT);", down: "DROP TABLE trucks;")
        let runner = MigrationRunner(target: SQLiteMigrationTarget(writer: queue), migrations: edited)
        #expect(try await runner.status().map(\.state) == [.checksumMismatch, .applied, .pending])
        do {
            try await runner.up()
            Issue.record("up ran despite a checksum mismatch")
        } catch let error as MigrationError {
            guard case .checksumMismatch(_, let version, _, _, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(version == 1)
            #expect(error.description.contains("was changed after it was applied"))
        }
        await #expect(throws: MigrationError.self) { try await runner.down() }
        // Version 3 was not applied.
        #expect(try await runner.target.appliedMigrations().map(\.version) == [1, 2])
    }

    @Test func aFailingStepLeavesNoTraceAndNamesTheMigration() async throws {
        let queue = try makeQueue()
        let broken = Self.list + [Migration(version: 4, name: "broken", up: "CREATE TABLE extra (id INTEGER); SELECT * FROM nowhere;", down: "")]
        let runner = MigrationRunner(target: SQLiteMigrationTarget(writer: queue), migrations: broken)
        do {
            try await runner.up()
            Issue.record("a broken migration was applied")
        } catch let error as MigrationError {
            #expect(error.description.contains("migration 4 (broken) failed going up"))
        }
        #expect(try tables(queue).contains("extra") == false)
        #expect(try await runner.target.appliedMigrations().map(\.version) == [1, 2, 3])
    }

    @Test func aListWithDuplicateVersionsIsRefused() async throws {
        let queue = try makeQueue()
        let runner = MigrationRunner(target: SQLiteMigrationTarget(writer: queue), migrations: Self.list + [Self.list[0]])
        await #expect(throws: MigrationError.self) { try await runner.up() }
    }

    @Test func theEmbeddedStoreSchemaGoesDownAndUpCleanly() async throws {
        let directory = try SpecFixtures.temporaryDirectory()
        let store = try await SQLiteStore.open(directory: directory)
        #expect(try await store.migrator.isUpToDate())
        try await store.migrator.down(to: 0)
        #expect(try await store.migrator.status().allSatisfy { $0.state == .pending })
        try await store.migrator.up()
        #expect(try await store.migrator.isUpToDate())
    }
}
