import ApexCore
import ApexFalkorDB
import ApexTesting
import Foundation
import Testing

/// `apex verify` with the graph on FalkorDB: agrees after ingests, finds each kind of divergence written into the graph
/// behind apex's back, exits 1 with it, and `--repair` makes the stores agree again.
@Suite struct VerifyCommandTests {
    typealias F = SpecFixtures

    static let recordStores = ["sqlite", "postgresql"]

    /// Fresh stores: an embedded data directory or a fresh PostgreSQL database, and a fresh graph.
    static func freshStores(_ records: String) async throws -> (arguments: [String], graph: String) {
        let graph = try FalkorDBTestServer.freshGraphURL(prefix: "verify")
        let recordArguments =
            records == "sqlite"
            ? ["--data", (try SpecFixtures.temporaryDirectory() as NSString).appendingPathComponent("data")]
            : ["--database-url", try await PostgresTestServer.shared.freshDatabase(migrated: false)]
        return (recordArguments + ["--graph-url", graph], graph)
    }

    @Test(arguments: recordStores)
    func verifyFindsWhatTheGraphLostOrGainedAndRepairIt(_ records: String) async throws {
        let (stores, graphURL) = try await Self.freshStores(records)
        let ontology = try F.writeTemporaryFile([F.ontology], name: "ontology.yaml")
        #expect(try SagaFaultTests.apex(["ingest", try F.writeTemporaryFile(SagaFixtures.before), "--ontology", ontology] + stores).status == 0)
        #expect(try SagaFaultTests.apex(["ingest", try F.writeTemporaryFile(SagaFixtures.write)] + stores).status == 0)
        let clean = try SagaFaultTests.apex(["verify"] + stores)
        #expect(clean.status == 0, "\(clean.stdout) \(clean.stderr)")
        #expect(clean.stdout.hasSuffix("the stores agree\n"))

        // Behind apex's back: a property changed on a node, a current edge deleted, a node apex never wrote, a fact
        // tagged with a saga the log does not have.
        let graph = try await FalkorDBStore.connect(url: graphURL, migrate: false)
        let name = try FalkorDBURL(graphURL).graph
        for text in [
            "MATCH (n:Entity {apex_key: '6520'}) SET n.status = 'bogus'",
            "MATCH (:Entity {apex_key: 'D-3'})-[e:RELATES_TO]->() WHERE e.expired_at IS NULL DELETE e",
            "CREATE (:Entity {uuid: '0190aaaa-0000-7000-8000-000000000001', apex_type: 'Driver', apex_key: 'ghost'})",
            """
            MATCH (a:Entity {apex_key: 'D-1'}), (b:Entity {apex_key: 'D-2'})
            CREATE (a)-[:APEX_FACT {relation: 'KNOWS', apex_saga: '0190aaaa-0000-7000-8000-0000000000ff', valid_at: 1, recorded_at: 1}]->(b)
            """,
        ] {
            _ = try await graph.client.send(["GRAPH.QUERY", name, text])
        }
        await graph.shutdown()

        let found = try SagaFaultTests.apex(["verify", "--json"] + stores)
        #expect(found.status == 1, "\(found.stderr)")
        #expect(found.stderr.isEmpty, "\(found.stderr)")
        let report = try JSONParser.parse(found.stdout)
        #expect(report["agrees"] == .bool(false))
        #expect(report["unknown_nodes"] == .array([.string("0190aaaa-0000-7000-8000-000000000001")]))
        #expect(report["differing_nodes"].flatMap { if case .array(let ids) = $0 { ids.count } else { nil } } == 1)
        #expect(report["half_written_sagas"] == .array([.string("0190aaaa-0000-7000-8000-0000000000ff")]))
        #expect(report["edges"]?["missing"] != .integer(0), "\(found.stdout)")
        // The fact written behind apex's back is not in its ends' adjacency summaries.
        #expect(report["edges"]?["summaries"] == .integer(2), "\(found.stdout)")

        let repaired = try SagaFaultTests.apex(["verify", "--repair"] + stores)
        #expect(repaired.status == 0, "\(repaired.stdout) \(repaired.stderr)")
        #expect(repaired.stdout.contains("before the repair:") && repaired.stdout.hasSuffix("the stores agree\n"))
        #expect(try SagaFaultTests.apex(["verify"] + stores).status == 0)
        // The repair put back what the record store says, and the answers are the ones of a clean ingest.
        let state = try SagaFaultTests.apex(["state", "Tractor/6520", "--at", "2025-03-01T00:00:00Z"] + stores)
        #expect(state.stdout.contains("in_repair") && !state.stdout.contains("bogus"))
    }

    @Test func oneStoreHasNothingToCompare() throws {
        let data = (try SpecFixtures.temporaryDirectory() as NSString).appendingPathComponent("data")
        let ontology = try F.writeTemporaryFile([F.ontology], name: "ontology.yaml")
        #expect(try SagaFaultTests.apex(["ingest", try F.writeTemporaryFile(SagaFixtures.before), "--ontology", ontology, "--data", data]).status == 0)
        let run = try SagaFaultTests.apex(["verify", "--data", data])
        #expect(run.status == 0)
        #expect(run.stdout == "compared records: sqlite\none store holds everything, each write in one transaction: nothing to compare\n")
    }
}
