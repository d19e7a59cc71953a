import ApexCore
import ApexPostgres
import ApexTesting
import Foundation
import PostgresNIO
import Testing

/// `apex` on PostgreSQL through `--database-url`, against the real server of `APEX_TEST_DATABASE_URL`.
@Suite struct PostgresCLITests {
    /// A started `apex` process and its output pipes.
    struct Started {
        let process: Process
        let out: Pipe
        let err: Pipe

        init(_ arguments: [String]) throws {
            process = Process()
            process.executableURL = CLITests.binary
            process.arguments = arguments
            process.currentDirectoryURL = CLITests.root
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "APEX_DATABASE_URL")
            process.environment = environment
            out = Pipe()
            err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
        }

        func finish() -> CLITests.Run {
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return CLITests.Run(
                status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
        }
    }

    @Test func twoConcurrentMigrateUpsApplyEachVersionOnce() async throws {
        let url = try await PostgresTestServer.shared.freshDatabase(migrated: false)
        // The test holds the migration lock of the schema the runs migrate first, so that both are sure to meet it; then lets go.
        let holder = try await PostgresTestServer.connect(url)
        let key = PostgresMigrationTarget.lockKey(schema: "public")
        _ = try await holder.query("SELECT pg_advisory_lock(\(key))", logger: PostgresTestServer.logger).collect()
        let first = try Started(["migrate", "up", "--database-url", url])
        let second = try Started(["migrate", "up", "--database-url", url])
        try await Task.sleep(for: .seconds(1.5))
        #expect(first.process.isRunning && second.process.isRunning, "both runs wait for the lock")
        _ = try await holder.query("SELECT pg_advisory_unlock(\(key))", logger: PostgresTestServer.logger).collect()
        let runs = [first.finish(), second.finish()]
        #expect(runs.allSatisfy { $0.status == 0 }, "\(runs.map(\.stderr))")
        #expect(runs.allSatisfy { $0.stderr.contains("another apex holds the migration lock") })
        let applied = runs.flatMap { $0.stdout.split(separator: "\n").filter { $0.hasPrefix("applied ") } }
        let versions = applied.compactMap { Int($0.split(separator: " ")[1]) }
        #expect(versions.sorted() == Array(1...versions.count) && versions.count >= 6, "\(runs.map(\.stdout))")
        #expect(runs.filter { $0.stdout.contains("the schema is up to date") }.count == 1)
        let history = try await holder.query("SELECT version, count(*) FROM apex_schema_history GROUP BY version ORDER BY version", logger: PostgresTestServer.logger)
            .collect().map { try $0.decode((Int32, Int64).self) }
        #expect(history.map(\.0) == versions.sorted().map(Int32.init))
        #expect(history.allSatisfy { $0.1 == 1 })
        try await holder.closeGracefully()
    }

    @Test func theMemoryWorksEndToEndOnPostgres() async throws {
        let url = try await PostgresTestServer.shared.freshDatabase(migrated: false)
        let ingest = try Started(["ingest", "examples/logistics/records.jsonl", "--ontology", "examples/logistics/ontology.yaml", "--database-url", url]).finish()
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.json?["accepted"] == .integer(588))
        let state = try Started(["state", "Tractor/6520", "--at", "2025-03-02", "--database-url", url]).finish()
        #expect(state.status == 0, "\(state.stderr)")
        #expect(state.json?["properties"]?["current_miles"] == .integer(440_120))
        let status = try Started(["migrate", "status", "--json", "--database-url", url]).finish()
        #expect(status.json?["store"] == .string("postgres"))
        let added = try Started(["documents", "add", "README.md", "--database-url", url]).finish()
        #expect(added.status == 0, "\(added.stderr)")
        let search = try Started(["search", "temporal memory", "--mode", "vector", "--limit", "3", "--database-url", url]).finish()
        guard case .array(let results)? = search.json?["results"] else {
            Issue.record("no results: \(search.stdout) \(search.stderr)")
            return
        }
        #expect(results.count == 3)
    }

    @Test func vectorCollectionVersionsAreRefusedOnPostgresInOneSentence() async throws {
        let url = try await PostgresTestServer.shared.freshDatabase()
        for arguments in [["vectors", "status"], ["vectors", "migrate", "--to", "m=24"]] {
            let run = try Started(arguments + ["--database-url", url]).finish()
            #expect(run.status == 1 && run.stdout.isEmpty, "\(run.stdout)")
            #expect(run.stderr.contains("apex vectors works on the embedded store for now: on PostgreSQL, pgvector builds no index per collection version yet"), "\(run.stderr)")
        }
        // Nothing was recorded.
        let connection = try await PostgresTestServer.connect(url)
        let versions = try await connection.query("SELECT count(*) FROM vector_collections", logger: PostgresTestServer.logger).collect()
        #expect(try versions.first?.decode(Int64.self) == 0)
        try await connection.closeGracefully()
    }

    @Test func theDatabaseKeepsTheVectorPrecisionUntilToldOtherwise() async throws {
        let url = try await PostgresTestServer.shared.freshDatabase()
        let connection = try await PostgresTestServer.connect(url)
        func rows() async throws -> [Bool] {
            try await connection.query("SELECT half FROM vector_items UNION ALL SELECT half FROM vector_index_state", logger: PostgresTestServer.logger)
                .collect().map { try $0.decode(Bool.self) }
        }
        let added = try Started(["documents", "add", "README.md", "--halfvec", "--database-url", url]).finish()
        #expect(added.status == 0, "\(added.stderr)")
        let halfRows = try await rows()
        #expect(halfRows.count > 1 && halfRows.allSatisfy { $0 })
        // A later command without the flag searches the halfvec index and leaves the table as it is.
        let search = try Started(["search", "temporal memory", "--mode", "vector", "--limit", "2", "--database-url", url]).finish()
        guard case .array(let results)? = search.json?["results"] else {
            Issue.record("no results: \(search.stdout) \(search.stderr)")
            return
        }
        #expect(results.count == 2)
        #expect(try await rows() == halfRows)
        #expect(!search.stderr.contains("indexing"), "\(search.stderr)")
        let back = try Started(["search", "temporal memory", "--mode", "vector", "--no-halfvec", "--database-url", url]).finish()
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stderr.contains("indexing \(halfRows.count - 1) stored vectors in pgvector as vector"), "\(back.stderr)")
        #expect(try await rows().allSatisfy { !$0 })
        try await connection.closeGracefully()
    }

    @Test(arguments: [
        ("postgres://apex@127.0.0.1:1/apex", "cannot connect to the PostgreSQL server at 127.0.0.1:1: the connection was refused"),
        ("http://example.com/db", "is not usable: it must look like postgres://"),
        ("postgres://127.0.0.1/apex", "it names no user"),
    ])
    func aBadDatabaseURLIsOneSentence(_ url: String, _ expected: String) throws {
        let run = try Started(["state", "Tractor/6520", "--database-url", url]).finish()
        #expect(run.status == 1)
        #expect(run.stderr.contains(expected), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stdout.isEmpty)
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        // A socket that accepts connections and never speaks: the connect timeout, not a hang.
        let silent = try SilentServer()
        let started = ContinuousClock.now
        let run = try Started(["state", "Tractor/6520", "--database-url", "postgres://apex@127.0.0.1:\(silent.port)/apex"]).finish()
        #expect(run.status == 1)
        #expect(run.stderr.contains("did not answer within 5 s"), "\(run.stderr)")
        #expect(ContinuousClock.now - started < .seconds(20))
        silent.close()
    }
}

/// A listening loopback socket that never accepts a connection's bytes nor answers.
final class SilentServer: Sendable {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 8) == 0 else { throw CocoaError(.fileWriteUnknown) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}
