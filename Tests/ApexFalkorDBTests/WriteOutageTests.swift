import ApexCore
import ApexFalkorDB
import ApexPostgres
import ApexTesting
import Foundation
import PostgresNIO
import Testing

/// A store going away in the middle of an ingest across the record store and FalkorDB: the command fails with one
/// sentence naming the store, and once it is back `apex verify` finds nothing half-written and the answers are those
/// before the file (or, when only the cache went away after the stores committed, after it).
@Suite struct WriteOutageTests {
    typealias F = SpecFixtures

    /// `apex ingest FILE` with the process stopped for a while at `point`: returned once it has said so.
    static func pausedIngest(_ file: String, stores: [String], at point: String) async throws -> ChildProcess {
        let child = try ChildProcess(
            "apex ingest", executable: try ApexBinary.url(), arguments: ["ingest", file] + stores,
            environment: ApexBinary.environment.merging(["APEX_FAULT_PAUSE_AT": point, "APEX_FAULT_PAUSE_SECONDS": "4"]) { _, new in new })
        let deadline = ContinuousClock.now + .seconds(60)
        while !child.stderr.contains("paused at \(point)") && child.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(child.stderr.contains("paused at \(point)"), "\(child.output)")
        return child
    }

    /// What the sampled questions answer (as SagaFaultTests asks them).
    static func answers(_ stores: [String]) async throws -> [String] {
        var answers: [String] = []
        for command in [["state", "Tractor/6520"], ["state", "Driver/D-1"], ["neighbors", "Driver/D-1", "--depth", "2"]] {
            let run = try await ApexBinary.run(command + ["--at", "2025-03-01T00:00:00Z", "--known-at", "2026-01-01T00:00:00Z"] + stores)
            answers.append("\(run.status) \(run.stdout)")
        }
        return answers
    }

    /// The ingest's failure: one line on stderr (after the pause notice) naming `what`.
    static func expectOneSentenceNaming(_ what: String, _ child: ChildProcess) async throws {
        let status = try await child.exitStatus(within: .seconds(90))
        #expect(status == 1, "\(child.output)")
        let said = child.stderr.split(separator: "\n").filter { !$0.contains("fault injection") }
        #expect(said.count == 1 && said.first?.contains(what) == true, "\(child.stderr)")
    }

    static func seed(_ stores: [String]) async throws {
        let ontology = try F.writeTemporaryFile([F.ontology], name: "ontology.yaml")
        let seeded = try await ApexBinary.run(["ingest", try F.writeTemporaryFile(SagaFixtures.before), "--ontology", ontology] + stores)
        #expect(seeded.status == 0, "\(seeded.stderr)")
    }

    @Test func theGraphGoingAwayBeforeItsStepLeavesNothingOnceItIsBack() async throws {
        let (falkor, falkorProcess) = try await FalkorDBOutageTests.PrivateFalkorDB.start()
        var processes = [falkorProcess]
        defer {
            for process in processes { process.stopAndRemove() }
            try? FileManager.default.removeItem(atPath: falkor.directory)
        }
        let stores = ["--data", try SpecFixtures.temporaryDirectory(), "--graph-url", falkor.url]
        try await Self.seed(stores)
        let before = try await Self.answers(stores)
        let file = try F.writeTemporaryFile(SagaFixtures.write)

        let ingest = try await Self.pausedIngest(file, stores: stores, at: "ingest.begun")
        processes.append(ingest)
        #expect(try await falkor.command(["SAVE"]).string == "OK")
        falkorProcess.stop()
        try await Self.expectOneSentenceNaming("127.0.0.1:\(falkor.port)", ingest)

        guard let restarted = try await falkor.run() else {
            Issue.record("the private FalkorDB did not restart on port \(falkor.port)")
            return
        }
        processes.append(restarted)
        let verified = try await ApexBinary.run(["verify"] + stores)
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        #expect(try await Self.answers(stores) == before)
        #expect(try await ApexBinary.run(["ingest", file] + stores).status == 0)
        #expect(try await Self.answers(stores) != before)
    }

    @Test func postgresGoingAwayAfterTheGraphStepLeavesNothingOnceItIsBack() async throws {
        let url = try await PostgresTestServer.shared.freshDatabase(migrated: false)
        let stores = ["--database-url", url, "--graph-url", try FalkorDBTestServer.freshGraphURL(prefix: "outage")]
        try await Self.seed(stores)
        let before = try await Self.answers(stores)
        let file = try F.writeTemporaryFile(SagaFixtures.write)
        let database = try PostgresURL(url).database

        let ingest = try await Self.pausedIngest(file, stores: stores, at: "ingest.graph")
        defer { ingest.stopAndRemove() }
        // The database stops taking connections and loses the ones it had: PostgreSQL is gone, for this memory.
        let admin = try await PostgresTestServer.connect(url.replacingOccurrences(of: "/\(database)", with: "/postgres"))
        // The name is the test's own fresh database; ALTER DATABASE takes no parameters.
        _ = try await admin.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \"\(database)\" WITH ALLOW_CONNECTIONS false"), logger: PostgresTestServer.logger).collect()
        _ = try await admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(database) AND pid <> pg_backend_pid()",
            logger: PostgresTestServer.logger
        ).collect()
        try await Self.expectOneSentenceNaming("PostgreSQL", ingest)
        _ = try await admin.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \"\(database)\" WITH ALLOW_CONNECTIONS true"), logger: PostgresTestServer.logger).collect()
        try await admin.close()

        let verified = try await ApexBinary.run(["verify"] + stores)
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        #expect(verified.stderr.contains("recovered 1 interrupted write"), "\(verified.stderr)")
        #expect(try await Self.answers(stores) == before)
        #expect(try await ApexBinary.run(["ingest", file] + stores).status == 0)
        #expect(try await Self.answers(stores) != before)
    }

    @Test func theCacheGoingAwayMidWriteLeavesTheStoresWholeAndRefusesTheNextWrite() async throws {
        let (redis, redisProcess) = try await PrivateRedis.start()
        defer {
            redisProcess.stopAndRemove()
            try? FileManager.default.removeItem(atPath: redis.directory)
        }
        let stores = [
            "--data", try SpecFixtures.temporaryDirectory(), "--graph-url", try FalkorDBTestServer.freshGraphURL(prefix: "outage"), "--cache-url",
            redis.url,
        ]
        try await Self.seed(stores)
        let before = try await Self.answers(stores)
        let file = try F.writeTemporaryFile(SagaFixtures.write)

        // Gone after the write marked its entities busy: the write stands (the marks expire; docs/cache.md).
        let ingest = try await Self.pausedIngest(file, stores: stores, at: "ingest.graph")
        defer { ingest.stopAndRemove() }
        redisProcess.stop()
        #expect(try await ingest.exitStatus(within: .seconds(90)) == 0, "\(ingest.output)")
        let verified = try await ApexBinary.run(["verify"] + stores)
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        // Reads fall back to the stores while the cache is down: the whole write.
        let after = try await Self.answers(stores)
        #expect(after != before && after.allSatisfy { $0.hasPrefix("0 ") }, "\(after)")

        // Gone before a write: it is refused, naming the cache, and nothing of it is stored.
        let retire = try F.writeTemporaryFile([F.state("6520", "2025-02-20T00:00:00Z", set: #"{"status":"retired"}"#, recordedAt: "2025-02-20T00:00:00Z")])
        let refused = try await ApexBinary.run(["ingest", retire] + stores)
        #expect(refused.status == 1)
        #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("127.0.0.1:\(redis.port)"), "\(refused.stderr)")
        #expect(try await ApexBinary.run(["verify"] + stores).status == 0)
        #expect(try await Self.answers(stores) == after)
    }
}
