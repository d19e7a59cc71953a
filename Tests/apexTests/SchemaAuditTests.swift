import ApexCore
import ApexFalkorDB
import ApexTesting
import Foundation
import GRDB
import PostgresNIO
import Testing

/// `apex schema audit` and `repair` on real stores: drift made by hand is named, one line per object, with a non-zero
/// exit, and the repair brings each store back to its migrations.
@Suite struct SchemaAuditTests {
    typealias F = SpecFixtures

    static func apex(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await ApexBinary.run(arguments, within: .seconds(120))
    }

    @Test func embeddedDriftIsNamedAndRepaired() async throws {
        let data = try F.temporaryDirectory()
        let ontology = try F.writeTemporaryFile([F.ontology], name: "ontology.yaml")
        #expect(try await Self.apex(["ingest", try F.writeTemporaryFile(SagaFixtures.before), "--ontology", ontology, "--data", data]).status == 0)
        let clean = try await Self.apex(["schema", "audit", "--data", data])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout == "no drift: the schema is what the applied migrations declare\n")

        // By hand: an index dropped, another added, a view nobody declared.
        let database = try DatabaseQueue(path: (data as NSString).appendingPathComponent("apex.sqlite"))
        try await database.write { db in
            try db.execute(sql: "DROP INDEX facts_by_target; CREATE INDEX by_hand ON entities (key); CREATE VIEW by_hand_view AS SELECT 1")
        }
        try database.close()
        let audit = try await Self.apex(["schema", "audit", "--data", data])
        #expect(audit.status == 1)
        let lines = audit.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("missing index facts_by_target: CREATE INDEX facts_by_target ON facts") }, "\(audit.stdout)")
        #expect(lines.contains("extra index by_hand: CREATE INDEX by_hand ON entities (key)"), "\(audit.stdout)")
        #expect(lines.contains("extra view by_hand_view: CREATE VIEW by_hand_view AS SELECT 1"), "\(audit.stdout)")
        #expect(lines.count == 3)

        // The repair puts back what is missing; what is extra goes only when asked.
        let kept = try await Self.apex(["schema", "repair", "--data", data])
        #expect(kept.status == 1 && kept.stdout.contains("recreated index facts_by_target"), "\(kept.stdout)")
        let repaired = try await Self.apex(["schema", "repair", "--drop-extra", "--data", data])
        #expect(repaired.status == 0, "\(repaired.stdout)\(repaired.stderr)")
        #expect(repaired.stdout.contains("dropped index by_hand") && repaired.stdout.contains("dropped view by_hand_view"))
        #expect(try await Self.apex(["schema", "audit", "--data", data]).status == 0)
    }

    @Test func postgresAndGraphDriftIsNamedAndRepaired() async throws {
        let url = try await PostgresTestServer.shared.freshDatabase(migrated: false)
        let graphURL = try FalkorDBTestServer.freshGraphURL(prefix: "schema")
        let stores = ["--database-url", url, "--graph-url", graphURL]
        #expect(try await Self.apex(["migrate", "up"] + stores).status == 0)
        let clean = try await Self.apex(["schema", "audit", "--json"] + stores)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(try JSONParser.parse(clean.stdout)["drift"] == .bool(false))

        // By hand: an index dropped, an extra index, a column's type changed, a graph index dropped.
        let connection = try await PostgresTestServer.connect(url)
        for statement in [
            "DROP INDEX facts_by_target", "CREATE INDEX by_hand ON entities (key)", "ALTER TABLE sagas ALTER COLUMN detail TYPE varchar(500)",
        ] {
            _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgresTestServer.logger).collect()
        }
        try await connection.close()
        let graph = try await FalkorDBStore.connect(url: graphURL, migrate: false)
        _ = try await graph.client.send(["GRAPH.QUERY", try FalkorDBURL(graphURL).graph, "DROP INDEX FOR (n:Entity) ON (n.apex_key)"])
        await graph.shutdown()

        let audit = try await Self.apex(["schema", "audit"] + stores)
        #expect(audit.status == 1)
        let lines = audit.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("missing index facts_by_target: CREATE INDEX facts_by_target ON facts USING btree") }, "\(audit.stdout)")
        #expect(lines.contains("extra index by_hand: CREATE INDEX by_hand ON entities USING btree (key)"), "\(audit.stdout)")
        #expect(lines.contains("changed column sagas.detail: declared text NOT NULL, found character varying(500) NOT NULL"), "\(audit.stdout)")
        #expect(lines.contains("missing graph index Entity.apex_key range: NODE Entity apex_key RANGE"), "\(audit.stdout)")

        let repaired = try await Self.apex(["schema", "repair", "--drop-extra"] + stores)
        #expect(repaired.status == 0, "\(repaired.stdout)\(repaired.stderr)")
        for line in ["recreated index facts_by_target", "dropped index by_hand", "restored column sagas.detail", "recreated graph index Entity.apex_key range"] {
            #expect(repaired.stdout.contains(line), "\(line): \(repaired.stdout)")
        }
        let after = try await Self.apex(["schema", "audit", "--json"] + stores)
        #expect(after.status == 0, "\(after.stdout)")
        // The scratch schema and graph the audits replayed the migrations in are gone.
        let check = try await PostgresTestServer.connect(url)
        let scratch = try await check.query("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'apex_audit_%'", logger: PostgresTestServer.logger)
            .collect().first?.decode(Int64.self)
        try await check.close()
        #expect(scratch == 0)
    }
}
