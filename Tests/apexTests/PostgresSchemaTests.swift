import ApexCore
import ApexTesting
import Foundation
import PostgresNIO
import Testing

/// `schema=NAME` as a new user tries it: a schema that does not exist yet, and two apex stores in one database.
@Suite struct PostgresSchemaTests {
    @Test func twoApexSchemasInOneDatabaseEachHoldTheirOwnMemory() async throws {
        let base = try await PostgresTestServer.shared.freshDatabase(migrated: false)
        let separator = base.contains("?") ? "&" : "?"
        let ontology = try SpecFixtures.writeTemporaryFile([SpecFixtures.ontology], name: "ontology.yaml")
        for (schema, status) in [("tenant_a", "active"), ("tenant_b", "in_repair")] {
            let records = try SpecFixtures.writeTemporaryFile([
                SpecFixtures.state("6520", "2025-01-01T00:00:00Z", set: #"{"status":"\#(status)"}"#, recordedAt: "2025-01-01T00:00:00Z")
            ])
            // Neither schema exists yet: apex creates it rather than writing into public.
            let ingest = try await ApexBinary.run(["ingest", records, "--ontology", ontology, "--database-url", base + separator + "schema=" + schema])
            #expect(ingest.status == 0, "\(schema): \(ingest.stderr)")
        }
        for (schema, status) in [("tenant_a", "active"), ("tenant_b", "in_repair")] {
            let url = base + separator + "schema=" + schema
            let state = try await ApexBinary.run(["state", "Tractor/6520", "--at", "2025-02-01T00:00:00Z", "--database-url", url])
            #expect(state.status == 0 && state.stdout.contains("\"status\": \"\(status)\""), "\(schema): \(state.stdout) \(state.stderr)")
            let audit = try await ApexBinary.run(["schema", "audit", "--database-url", url])
            #expect(audit.status == 0, "\(schema): \(audit.stdout)")
        }
        let connection = try await PostgresTestServer.connect(base)
        let inPublic = try await connection.query(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'entities'", logger: PostgresTestServer.logger
        ).collect().first?.decode(Int64.self)
        let vectorHome = try await connection.query(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'",
            logger: PostgresTestServer.logger
        ).collect().first?.decode(String.self)
        try await connection.close()
        #expect(inPublic == 0, "nothing of either memory is in public")
        #expect(vectorHome == "public")
    }
}
