import ApexCore
import ApexTesting
import Foundation
import GRDB
import PostgresNIO
import Testing

/// `apex migrate up|down --dry-run` prints each step's statements and applies nothing; `apex migrate validate` checks
/// the history's checksums.
@Suite struct MigrationDryRunTests {
    static func apex(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await ApexBinary.run(arguments, within: .seconds(120))
    }

    @Test func anEmbeddedDryRunPrintsTheStepsAndAppliesNothing() async throws {
        let data = try SpecFixtures.temporaryDirectory()
        let plan = try await Self.apex(["migrate", "up", "--dry-run", "--data", data])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.hasPrefix("would apply 1 temporal_records:\n    "), "\(plan.stdout)")
        #expect(plan.stdout.contains("would apply 6 idempotency_keys:\n") && plan.stdout.contains("CREATE TABLE idempotency_keys"))
        let database = try DatabaseQueue(path: (data as NSString).appendingPathComponent("apex.sqlite"))
        #expect(try await database.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master") } == [])
        try database.close()

        #expect(try await Self.apex(["migrate", "up", "--data", data]).status == 0)
        let back = try await Self.apex(["migrate", "down", "--dry-run", "--data", data])
        #expect(back.stdout.hasPrefix("would roll back 9 move_state:\n    DROP TABLE move_state;\n"), "\(back.stdout)")
        #expect(try await Self.apex(["migrate", "up", "--dry-run", "--data", data]).stdout == "the schema is up to date\n")
        let valid = try await Self.apex(["migrate", "validate", "--data", data])
        #expect(valid.status == 0 && valid.stdout == "valid: 9 applied migration(s) match their checksums, 0 pending\n", "\(valid.stdout)")

        // A history whose checksum no longer matches its migration is refused, naming the version.
        let edited = try DatabaseQueue(path: (data as NSString).appendingPathComponent("apex.sqlite"))
        try await edited.write { db in try db.execute(sql: "UPDATE apex_schema_history SET checksum = 'edited' WHERE version = 3") }
        try edited.close()
        let invalid = try await Self.apex(["migrate", "validate", "--data", data])
        #expect(invalid.status == 1)
        #expect(invalid.stderr.contains("3"), "\(invalid.stderr)")
    }

    @Test func aPostgresAndGraphDryRunAppliesNothingAndNamesTheSchemaInItsDrops() async throws {
        let base = try await PostgresTestServer.shared.freshDatabase(migrated: false)
        let connection = try await PostgresTestServer.connect(base)
        _ = try await connection.query("CREATE SCHEMA tenant_a", logger: PostgresTestServer.logger).collect()
        let url = base + (base.contains("?") ? "&" : "?") + "schema=tenant_a"
        let stores = ["--database-url", url, "--graph-url", try FalkorDBTestServer.freshGraphURL(prefix: "dryrun")]
        let plan = try await Self.apex(["migrate", "up", "--dry-run"] + stores)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("postgres store in ") && plan.stdout.contains("falkordb store in "), "\(plan.stdout)")
        #expect(plan.stdout.contains("would apply 1 temporal_records:"))
        #expect(plan.stdout.contains("would apply 1 graphiti_indexes:"), "\(plan.stdout)")
        // The leftover of a failed concurrent build is dropped in this schema, never in another on the search path.
        #expect(plan.stdout.contains("DROP INDEX CONCURRENTLY IF EXISTS tenant_a.vector_items_vector_384"), "\(plan.stdout)")
        let tables = try await connection.query(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'tenant_a'", logger: PostgresTestServer.logger
        ).collect().first?.decode(Int64.self)
        #expect(tables == 0, "a dry run creates nothing, not even the history table")
        try await connection.close()
        let status = try await Self.apex(["migrate", "status", "--json"] + stores)
        #expect(!status.stdout.contains("\"applied\""), "\(status.stdout)")
    }
}
