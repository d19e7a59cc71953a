import ApexCore
import ApexFalkorDB
import ApexRESP
import ApexTesting
import Foundation
import GRDB
import PostgresNIO
import Testing

/// `apex migrate create` writes a deployment's own migration that `up` applies and `down` rolls back on every store;
/// `apex migrate baseline` adopts a schema made without apex migrate, and refuses one that lacks what it declares.
@Suite struct MigrationAuthoringTests {
    static func apex(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await ApexBinary.run(arguments, within: .seconds(120))
    }

    /// Fills a skeleton's two sections.
    static func fill(_ path: String, up: String, down: String) throws {
        let skeleton = try String(contentsOfFile: path, encoding: .utf8)
        let marker = skeleton.contains("// migrate:up") ? "//" : "--"
        let text = skeleton
            .replacingOccurrences(of: "\(marker) migrate:up\n", with: "\(marker) migrate:up\n\(up)\n")
            .replacingOccurrences(of: "\(marker) migrate:down\n", with: "\(marker) migrate:down\n\(down)\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func sqliteNames(_ data: String) async throws -> [String] {
        let database = try DatabaseQueue(path: (data as NSString).appendingPathComponent("apex.sqlite"))
        defer { try? database.close() }
        return try await database.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master ORDER BY name") }
    }

    @Test func anEmbeddedMigrationIsCreatedAppliedAuditedAndRolledBack() async throws {
        let data = try SpecFixtures.temporaryDirectory()
        let migrations = try SpecFixtures.temporaryDirectory()
        let options = ["--data", data, "--migrations", migrations]
        let created = try await Self.apex(["migrate", "create", "add_key_index"] + options)
        #expect(created.status == 0, "\(created.stderr)")
        let path = created.stdout.trimmingCharacters(in: .newlines)
        #expect(path == (migrations as NSString).appendingPathComponent("sqlite/1001_add_key_index.sql"))
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("-- migrate:up\n"))

        // An empty skeleton is refused with the file's name, and nothing is applied.
        let empty = try await Self.apex(["migrate", "up"] + options)
        #expect(empty.status == 1 && empty.stderr.contains("1001_add_key_index.sql has nothing after its migrate:up marker"), "\(empty.stderr)")
        #expect(try await Self.sqliteNames(data).isEmpty)

        try Self.fill(path, up: "CREATE INDEX entities_by_key_desc ON entities (key DESC);", down: "DROP INDEX entities_by_key_desc;")
        let plan = try await Self.apex(["migrate", "up", "--dry-run"] + options)
        #expect(plan.stdout.contains("would apply 1001 add_key_index:\n    CREATE INDEX entities_by_key_desc"), "\(plan.stdout)")
        #expect(try await Self.sqliteNames(data).isEmpty)

        let up = try await Self.apex(["migrate", "up"] + options)
        #expect(up.status == 0 && up.stdout.contains("applied 1001 add_key_index"), "\(up.stdout)\(up.stderr)")
        #expect(try await Self.sqliteNames(data).contains("entities_by_key_desc"))
        // The audit declares what the deployment's migrations make, too.
        let audit = try await Self.apex(["schema", "audit"] + options)
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        // The next skeleton is numbered after it.
        let next = try await Self.apex(["migrate", "create", "second"] + options)
        #expect(next.stdout.hasSuffix("sqlite/1002_second.sql\n"), "\(next.stdout)")
        try FileManager.default.removeItem(atPath: next.stdout.trimmingCharacters(in: .newlines))

        // A command not given the directory is refused, saying where to point it.
        let lost = try await Self.apex(["migrate", "validate", "--data", data, "--migrations", data + "/nowhere"])
        #expect(lost.status == 1 && lost.stderr.contains("migration 1001 (add_key_index) applied, but no such file was given"), "\(lost.stderr)")

        let down = try await Self.apex(["migrate", "down"] + options)
        #expect(down.status == 0 && down.stdout.contains("rolled back 1001 add_key_index"), "\(down.stdout)\(down.stderr)")
        #expect(!(try await Self.sqliteNames(data).contains("entities_by_key_desc")))
        let status = try await Self.apex(["migrate", "status", "--json"] + options)
        let rows = try JSONParser.parse(status.stdout)["migrations"]
        guard case .array(let list)? = rows else { Issue.record("no migrations in \(status.stdout)"); return }
        #expect(list.last?["version"] == .integer(1001) && list.last?["state"] == "pending", "\(status.stdout)")
    }

    @Test func postgresAndGraphMigrationsAreCreatedAppliedAndRolledBack() async throws {
        let url = try await PostgresTestServer.shared.freshDatabase(migrated: false)
        let graphURL = try FalkorDBTestServer.freshGraphURL(prefix: "authoring")
        let migrations = try SpecFixtures.temporaryDirectory()
        let options = ["--database-url", url, "--graph-url", graphURL, "--migrations", migrations]
        let sql = try await Self.apex(["migrate", "create", "add_key_index"] + options)
        #expect(sql.stdout.hasSuffix("postgres/1001_add_key_index.sql\n"), "\(sql.stdout)\(sql.stderr)")
        try Self.fill(sql.stdout.trimmingCharacters(in: .newlines), up: "CREATE INDEX entities_by_key_desc ON entities (key DESC);", down: "DROP INDEX entities_by_key_desc;")
        let cypher = try await Self.apex(["migrate", "create", "truck_plate_index", "--store", "graph"] + options)
        #expect(cypher.stdout.hasSuffix("graph/1001_truck_plate_index.cypher\n"), "\(cypher.stdout)\(cypher.stderr)")
        try Self.fill(
            cypher.stdout.trimmingCharacters(in: .newlines), up: "CREATE INDEX FOR (n:Truck) ON (n.plate)", down: "DROP INDEX FOR (n:Truck) ON (n.plate)")

        let up = try await Self.apex(["migrate", "up"] + options)
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(up.stdout.contains("applied 1001 add_key_index") && up.stdout.contains("applied 1001 truck_plate_index"), "\(up.stdout)")
        #expect(try await Self.postgresHasIndex(url))
        #expect(try await Self.graphHasPlateIndex(graphURL))
        let audit = try await Self.apex(["schema", "audit"] + options)
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")

        let down = try await Self.apex(["migrate", "down"] + options)
        #expect(down.status == 0, "\(down.stdout)\(down.stderr)")
        #expect(down.stdout.contains("rolled back 1001 add_key_index") && down.stdout.contains("rolled back 1001 truck_plate_index"), "\(down.stdout)")
        #expect(!(try await Self.postgresHasIndex(url)))
        #expect(!(try await Self.graphHasPlateIndex(graphURL)))
    }

    @Test func baselineAdoptsAMatchingSchemaAndRefusesOneThatLacksAnIndex() async throws {
        let data = try SpecFixtures.temporaryDirectory()
        #expect(try await Self.apex(["migrate", "up", "--data", data]).status == 0)
        let file = (data as NSString).appendingPathComponent("apex.sqlite")
        // As a dump restored without its history would be.
        let database = try DatabaseQueue(path: file)
        try await database.write { db in try db.execute(sql: "DROP TABLE apex_schema_history; DROP INDEX facts_by_target") }
        try database.close()

        let refused = try await Self.apex(["migrate", "baseline", "--data", data])
        #expect(refused.status == 1, "\(refused.stdout)")
        #expect(refused.stderr.contains("cannot be baselined: missing index facts_by_target"), "\(refused.stderr)")
        #expect(!(try await Self.sqliteNames(data).contains("apex_schema_history")), "a refused baseline writes nothing")

        let again = try DatabaseQueue(path: file)
        try await again.write { db in try db.execute(sql: "CREATE INDEX facts_by_target ON facts (to_id, relation, valid_at)") }
        try again.close()
        let baseline = try await Self.apex(["migrate", "baseline", "--data", data])
        #expect(baseline.status == 0, "\(baseline.stderr)")
        #expect(baseline.stdout.hasPrefix("baselined 1 temporal_records\n") && baseline.stdout.contains("baselined 7 vector_collections"), "\(baseline.stdout)")
        #expect(try await Self.apex(["migrate", "up", "--data", data]).stdout == "the schema is up to date\n")
        #expect(try await Self.apex(["migrate", "validate", "--data", data]).status == 0)
        let twice = try await Self.apex(["migrate", "baseline", "--data", data])
        #expect(twice.status == 1 && twice.stderr.contains("already has a schema history"), "\(twice.stderr)")
    }

    static func postgresHasIndex(_ url: String) async throws -> Bool {
        let connection = try await PostgresTestServer.connect(url)
        defer { Task { try? await connection.close() } }
        let count = try await connection.query(
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'entities_by_key_desc'", logger: PostgresTestServer.logger
        ).collect().first?.decode(Int64.self)
        return count == 1
    }

    static func graphHasPlateIndex(_ graphURL: String) async throws -> Bool {
        let graph = try await FalkorDBStore.connect(url: graphURL, migrate: false)
        let labels = try await graph.client.send(["GRAPH.RO_QUERY", try FalkorDBURL(graphURL).graph, "CALL db.indexes() YIELD label RETURN label"])
        await graph.shutdown()
        return strings(labels).contains("Truck")
    }

    /// Every text in a reply, however nested.
    static func strings(_ value: RESPValue) -> [String] {
        if let text = value.string { return [text] }
        return (value.array ?? []).flatMap(strings)
    }
}
