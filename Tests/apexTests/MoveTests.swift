import ApexCore
import ApexTesting
import Foundation
import GRDB
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `apex move` end to end: `apex serve` on the embedded store, under steady writes and reads, moved to PostgreSQL +
/// FalkorDB through every phase (and, in the second test, rolled back after the cutover), with the backfill killed
/// once and resumed. No request may fail, no write may be lost, no canary read may differ.
@Suite(.serialized) struct MoveTests {
    /// The load `apex serve` is under: one writer and one reader, each a request every few milliseconds.
    final class Load: Sendable {
        let base: String
        private let state = Mutex(Counts())

        struct Counts {
            var written: [Int] = []
            var reads = 0
            var failures: [String] = []
            var stopped = false
        }

        init(base: String) { self.base = base }

        var counts: Counts { state.withLock { $0 } }
        func stop() { state.withLock { $0.stopped = true } }
        var stopped: Bool { state.withLock { $0.stopped } }

        func fail(_ what: String) { state.withLock { $0.failures.append(what) } }

        /// Writes `Tractor/W<n>` with `current_miles` n, and every fifth time a new mileage of Tractor/6520.
        func write(_ index: Int) async {
            var lines = SpecFixtures.state("W\(index)", "2025-06-01T00:00:00Z", set: #"{"status":"active","current_miles":\#(index)}"#)
            if index % 5 == 0 { lines += "\n" + SpecFixtures.state("6520", "2025-06-0\(1 + index % 9)T00:00:00Z", set: #"{"current_miles":\#(500_000 + index)}"#) }
            guard let url = URL(string: "\(base)/api/v1/records") else { return }
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.setValue("application/x-ndjson", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(lines.utf8)
            do {
                let (body, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if status == 200 {
                    state.withLock { $0.written.append(index) }
                } else {
                    fail("POST records \(index): \(status) \(String(decoding: body, as: UTF8.self).prefix(300))")
                }
            } catch {
                fail("POST records \(index): \(error)")
            }
        }

        /// Reads the state of an entity written earlier (or of the example's), as known now.
        func read(_ key: String) async {
            guard let url = URL(string: "\(base)/api/v1/entities/Tractor/\(key)/state") else { return }
            do {
                let (body, response) = try await URLSession.shared.data(from: url)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if status == 200 {
                    state.withLock { $0.reads += 1 }
                } else {
                    fail("GET state \(key): \(status) \(String(decoding: body, as: UTF8.self).prefix(300))")
                }
            } catch {
                fail("GET state \(key): \(error)")
            }
        }

        /// Runs until stopped.
        func run() async {
            async let writes: Void = {
                var index = 0
                while !stopped {
                    index += 1
                    await write(index)
                    try? await Task.sleep(for: .milliseconds(15))
                }
            }()
            async let reads: Void = {
                var index = 0
                while !stopped {
                    index += 1
                    let written = counts.written
                    await read(index % 3 == 0 || written.isEmpty ? "6520" : "W\(written[index % written.count])")
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }()
            _ = await (writes, reads)
        }
    }

    static func apex(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, stdout: String, stderr: String) {
        guard !environment.isEmpty else { return try await ApexBinary.run(arguments, within: .seconds(180)) }
        var merged = ApexBinary.environment
        merged.merge(environment) { _, new in new }
        let child = try ChildProcess("apex", executable: try ApexBinary.url(), arguments: arguments, environment: merged)
        defer { child.stopAndRemove() }
        let status = try await child.exitStatus(within: .seconds(180))
        return (status ?? -1, child.stdout, child.stderr)
    }

    /// The embedded store with the example, `apex serve` on it, the load running, and a fresh PostgreSQL + FalkorDB target.
    struct Setup {
        let data: String
        let source: [String]
        let target: [String]
        let server: ChildProcess
        let base: String
        let load: Load
        let loadTask: Task<Void, Never>
    }

    static func setUp() async throws -> Setup {
        let data = (try SpecFixtures.temporaryDirectory() as NSString).appendingPathComponent("data")
        let ingest = try await apex(["ingest", "examples/logistics/records.jsonl", "--ontology", "examples/logistics/ontology.yaml", "--data", data])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let added = try await apex(["documents", "add", "README.md", "--data", data])
        #expect(added.status == 0, "\(added.stderr)")
        // The target first: a server that is up is stopped again if anything after its start fails (no stray `apex serve`).
        let target = [
            "--to-database-url", try await PostgresTestServer.shared.freshDatabase(migrated: false), "--to-graph-url",
            try FalkorDBTestServer.freshGraphURL(prefix: "move"),
        ]
        let server = try ApexBinary.start(["serve", "--port", "0", "--data", data, "--log-level", "warning"], name: "serve")
        let base: String
        do {
            let port = try await server.waitForOutput(within: .seconds(60)) { output -> String? in
                guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("apex listening on http://127.0.0.1:") }) else { return nil }
                return line.split(separator: ":").last.map(String.init)
            }
            base = try #require(port.map { "http://127.0.0.1:\($0)" }, "\(server.output)")
        } catch {
            server.stopAndRemove()
            throw error
        }
        let load = Load(base: base)
        let loadTask = Task { await load.run() }
        return Setup(data: data, source: ["--data", data], target: target, server: server, base: base, load: load, loadTask: loadTask)
    }

    /// Runs `apex move PHASE` over the source and returns its JSON answer.
    static func phase(_ arguments: [String], _ setup: Setup, environment: [String: String] = [:]) async throws -> JSONValue? {
        let run = try await apex(["move"] + arguments + setup.source, environment: environment)
        #expect(run.status == 0, "apex move \(arguments.joined(separator: " ")): \(run.stderr)\nserve said: \(setup.server.stderr.suffix(2_000))")
        return try? JSONParser.parse(run.stdout)
    }

    /// Start, a backfill killed after its third batch and run again, and a verify that passes, all under load.
    static func startBackfillAndVerify(_ setup: Setup) async throws {
        let started = try await phase(["start"] + setup.target, setup)
        #expect(started?["move"]?["phase"] == "dual_write", "\(String(describing: started))")
        try await Task.sleep(for: .seconds(1))
        let killed = try await apex(
            ["move", "backfill", "--batch", "20"] + setup.source, environment: ["APEX_FAULT_KILL_AT": "move.backfill-batch#3"])
        #expect(killed.status == 128 + SIGKILL, "the backfill dies at its third batch: \(killed.stderr)")
        let halfway = try await phase(["status"], setup)
        #expect(halfway?["move"]?["backfill"]?["entities"] == .integer(40), "two batches were stored: \(String(describing: halfway))")
        #expect(halfway?["move"]?["backfill"]?["done"] == .bool(false))
        let resumed = try await phase(["backfill", "--batch", "20"], setup)
        #expect(resumed?["move"]?["backfill"]?["done"] == .bool(true), "\(String(describing: resumed))")
        #expect(resumed?["move"]?["backfill"]?["documents"] == .integer(1))
        let verified = try await phase(["verify"], setup)
        #expect(verified?["verify"]?["agrees"] == .bool(true), "\(String(describing: verified))")
        #expect(verified?["move"]?["verified_at"] != nil && verified?["move"]?["verified_at"] != .null)
    }

    /// The keys `Tractor/W<n>` an export of `options` holds, and whether each has its mileage.
    static func writtenKeys(_ options: [String]) async throws -> Set<Int> {
        let directory = (try SpecFixtures.temporaryDirectory() as NSString).appendingPathComponent("export")
        let exported = try await apex(["export", directory] + options)
        #expect(exported.status == 0, "\(exported.stderr)")
        let records = (try? String(contentsOfFile: (directory as NSString).appendingPathComponent("records.jsonl"), encoding: .utf8)) ?? ""
        var keys = Set<Int>()
        for line in records.split(separator: "\n") where line.contains(#""key":"W"#) {
            guard let json = try? JSONParser.parse(String(line)), let key = json["entity"]?["key"]?.stringValue, let index = Int(key.dropFirst()),
                json["set"]?["current_miles"] == .integer(Int64(index))
            else { continue }
            keys.insert(index)
        }
        return keys
    }

    static func metrics(_ base: String) async throws -> String {
        let (body, _) = try await URLSession.shared.data(from: try #require(URL(string: "\(base)/metrics")))
        return String(decoding: body, as: UTF8.self)
    }

    @Test func servedEmbeddedMemoryMovesToPostgresAndFalkorDBThroughEveryPhase() async throws {
        let setup = try await Self.setUp()
        defer { setup.server.stopAndRemove() }
        try await Task.sleep(for: .seconds(1))
        try await Self.startBackfillAndVerify(setup)

        let canary = try await Self.phase(["canary", "--read-percent", "50"], setup)
        #expect(canary?["move"]?["phase"] == "canary")
        try await Task.sleep(for: .seconds(4))
        let cutover = try await Self.phase(["cutover"], setup)
        #expect(cutover?["move"]?["phase"] == "cutover", "\(String(describing: cutover))")
        try await Task.sleep(for: .seconds(3))
        let beforeFinish = setup.load.counts.written.count
        let finished = try await Self.phase(["finish"], setup)
        #expect(finished?["move"]?["phase"] == "finished")
        // apex serve follows within a second; writes from then on reach the target alone.
        try await Task.sleep(for: .seconds(2))
        let finishedAt = setup.load.counts.written.count
        try await Task.sleep(for: .seconds(2))
        setup.load.stop()
        await setup.loadTask.value

        let counts = setup.load.counts
        #expect(counts.failures.isEmpty, "\(counts.failures.prefix(5))")
        #expect(counts.written.count > 50 && counts.reads > 100, "the load ran: \(counts.written.count) writes, \(counts.reads) reads")
        let status = try await Self.phase(["status"], setup)
        #expect(status?["move"]?["canary_mismatches"] == .integer(0), "\(String(describing: status))")
        #expect(status?["move"]?["mirror_failures"] == .integer(0), "serve said: \(setup.server.stderr.suffix(2_000))")
        let metrics = try await Self.metrics(setup.base)
        #expect(metrics.contains(#"apex_move_canary_reads_total{outcome="match"}"#), "canary reads were compared")
        #expect(!metrics.contains(#"apex_move_canary_reads_total{outcome="mismatch"}"#))
        #expect(metrics.contains(#"apex_move_mirror_writes_total{outcome="mirrored"}"#))
        #expect(metrics.contains("apex_move_mirror_lag_seconds"), "the second side's lag is timed")
        let backfilled = metrics.split(separator: "\n").first { $0.hasPrefix("apex_move_backfill_records ") }
        #expect(backfilled.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0 > 500, "serve publishes the rows moved: \(String(describing: backfilled))")
        #expect(metrics.contains(#"apex_move_phase{phase="finished"} 1"#), "\(metrics.split(separator: "\n").filter { $0.contains("apex_move") })")

        // Every accepted write is on the target; those after the finish are on it alone.
        let target = ["--database-url", setup.target[1], "--graph-url", setup.target[3]]
        let onTarget = try await Self.writtenKeys(target)
        let lost = Set(counts.written).subtracting(onTarget)
        #expect(lost.isEmpty, "\(lost.count) of \(counts.written.count) writes are missing from the target: \(lost.sorted().prefix(10))")
        let onSource = try Self.keysInSQLite(setup.data)
        let afterFinish = Set(counts.written.dropFirst(finishedAt))
        #expect(!afterFinish.isEmpty && afterFinish.isDisjoint(with: onSource), "writes after the finish reached the target alone")
        #expect(Set(counts.written.prefix(beforeFinish)).isSubset(of: onSource), "writes before the finish reached the source too")
    }

    /// The `Tractor/W<n>` keys in the embedded store's file itself (not through a move).
    static func keysInSQLite(_ data: String) throws -> Set<Int> {
        let queue = try DatabaseQueue(path: (data as NSString).appendingPathComponent("apex.sqlite"))
        defer { try? queue.close() }
        let keys = try queue.read { db in try String.fetchAll(db, sql: "SELECT key FROM entities WHERE type = 'Tractor' AND key LIKE 'W%'") }
        return Set(keys.compactMap { Int($0.dropFirst()) })
    }

    @Test func aRollbackAfterTheCutoverLosesNoWrite() async throws {
        let setup = try await Self.setUp()
        defer { setup.server.stopAndRemove() }
        try await Task.sleep(for: .seconds(1))
        try await Self.startBackfillAndVerify(setup)
        let cutover = try await Self.phase(["cutover"], setup)
        #expect(cutover?["move"]?["phase"] == "cutover")
        try await Task.sleep(for: .seconds(3))
        let rolledBack = try await Self.phase(["rollback"], setup)
        #expect(rolledBack?["move"]?["phase"] == "rolled_back")
        try await Task.sleep(for: .seconds(3))
        setup.load.stop()
        await setup.loadTask.value

        let counts = setup.load.counts
        #expect(counts.failures.isEmpty, "\(counts.failures.prefix(5))")
        #expect(counts.written.count > 50, "the load ran: \(counts.written.count) writes")
        // The source took every write: before the move alone, during it second, after the rollback alone again.
        let onSource = try await Self.writtenKeys(["--data", setup.data])
        let lost = Set(counts.written).subtracting(onSource)
        #expect(lost.isEmpty, "\(lost.count) of \(counts.written.count) writes are missing from the source: \(lost.sorted().prefix(10))")
        let again = try await Self.phase(["status"], setup)
        #expect(again?["move"]?["history"]?.arrayValueForTests?.count == 3, "dual_write, cutover, rolled_back: \(String(describing: again))")
    }
}

extension JSONValue {
    var arrayValueForTests: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}
