import ApexCore
import ApexTesting
import Foundation
import Testing

/// `apex ingest` with the graph on FalkorDB, killed (SIGKILL) at each step of its saga: the next command finishes or undoes
/// the write, so that its answers are all those before the file or all those after it, and a retried ingest gives the after ones.
@Suite struct SagaFaultTests {
    typealias F = SpecFixtures

    static let before = SagaFixtures.before
    static let write = SagaFixtures.write

    /// The step boundaries (docs/graph.md, "Writes"), each also on a second pass where there is one.
    static let killPoints = ["ingest.begun", "ingest.graph", "ingest.records", "ingest.nodes"]

    @Test(arguments: killPoints)
    func aKilledIngestIsFinishedOrUndoneByTheNextCommand(_ point: String) throws {
        let data = (try F.temporaryDirectory() as NSString).appendingPathComponent("data")
        let stores = ["--data", data, "--graph-url", try FalkorDBTestServer.freshGraphURL(prefix: "saga")]
        let ontology = try F.writeTemporaryFile([F.ontology], name: "ontology.yaml")
        let first = try Self.apex(["ingest", try F.writeTemporaryFile(Self.before), "--ontology", ontology] + stores)
        #expect(first.status == 0, "\(first.stderr)")
        let answersBefore = try Self.answers(stores)
        let file = try F.writeTemporaryFile(Self.write)

        let killed = try Self.apex(["ingest", file] + stores, environment: ["APEX_FAULT_KILL_AT": point])
        #expect(killed.signalled && killed.status == SIGKILL, "not killed at \(point): \(killed.status) \(killed.stderr)")
        // Any command recovers first; `apex recover` says so, and a second one finds nothing left.
        let recovery = try Self.apex(["recover"] + stores)
        #expect(recovery.status == 0, "\(recovery.stderr)")
        #expect(recovery.stderr.contains("recovered 1 interrupted write"), "\(recovery.stderr)")
        #expect(recovery.stdout == "no interrupted writes\n")
        #expect(try Self.apex(["recover"] + stores).stderr.isEmpty)
        let verified = try Self.apex(["verify"] + stores)
        #expect(verified.status == 0 && verified.stdout.hasSuffix("the stores agree\n"), "killed at \(point): \(verified.stdout)")
        let answersAfterKill = try Self.answers(stores)

        let retried = try Self.apex(["ingest", file] + stores)
        #expect(retried.status == 0, "\(retried.stderr)")
        let answersAfter = try Self.answers(stores)
        #expect(answersAfter != answersBefore)
        // Before the record store's transaction the write is undone; after it, finished.
        let finished = point == "ingest.records" || point == "ingest.nodes"
        #expect(answersAfterKill == (finished ? answersAfter : answersBefore), "killed at \(point)")
    }

    /// A larger write (new drivers, a chain of KNOWS facts) killed at a random moment, many times: every time, `apex verify`
    /// finds the stores agreeing and the next command answers as before the file or as after it (ids aside: each round has stores of its own), never in between.
    @Test func randomlyKilledIngestsLeaveAllOrNothing() throws {
        var chain = Self.write
        for index in 4..<120 {
            chain.append(
                F.fact("KNOWS", from: ("Driver", "D-\(index)"), to: ("Driver", "D-\(index - 1)"), validAt: "2025-02-05T00:00:00Z",
                    recordedAt: "2025-02-05T00:00:00Z"))
        }
        let file = try F.writeTemporaryFile(chain)
        let ontology = try F.writeTemporaryFile([F.ontology], name: "ontology.yaml")
        let seed = try F.writeTemporaryFile(Self.before)
        func freshStores() throws -> [String] {
            let data = (try F.temporaryDirectory() as NSString).appendingPathComponent("data")
            let stores = ["--data", data, "--graph-url", try FalkorDBTestServer.freshGraphURL(prefix: "sagakill")]
            let first = try Self.apex(["ingest", seed, "--ontology", ontology] + stores)
            #expect(first.status == 0, "\(first.stderr)")
            return stores
        }
        // The answers before and after, and how long a whole ingest takes here.
        let reference = try freshStores()
        let before = try Self.answers(reference).map(Self.withoutIDs)
        let clock = ContinuousClock()
        let began = clock.now
        #expect(try Self.apex(["ingest", file] + reference).status == 0)
        let whole = clock.now - began
        let after = try Self.answers(reference).map(Self.withoutIDs)
        #expect(after != before)

        var outcomes: [String: Int] = [:]
        for round in 0..<Self.randomRounds {
            let stores = try freshStores()
            let delay = whole * Double(round % 12 + 1) / 12.0
            let killed = try Self.apex(["ingest", file] + stores, killAfter: delay)
            // verify recovers first, then compares the graph with the record store.
            let verified = try Self.apex(["verify"] + stores)
            #expect(verified.status == 0, "round \(round): killed after \(delay): \(verified.stdout) \(verified.stderr)")
            let answers = try Self.answers(stores).map(Self.withoutIDs)
            #expect(answers == before || answers == after, "round \(round): killed after \(delay) (status \(killed.status)) gave answers in between")
            outcomes[answers == after ? "after" : "before", default: 0] += 1
            #expect(try Self.apex(["ingest", file] + stores).status == 0)
            #expect(try Self.answers(stores).map(Self.withoutIDs) == after, "round \(round): a retried ingest does not give the after answers")
        }
        // Both outcomes were met: the kills fell on both sides of the point of no return.
        #expect(outcomes.count == 2, "\(outcomes)")
    }

    /// Rounds of ``randomlyKilledIngestsLeaveAllOrNothing()``: with the four named points, over a hundred kills across every
    /// step and moments inside the graph step, in about four minutes.
    static let randomRounds = 100

    /// An answer without its `"id": ...` lines: ids are minted per store.
    static func withoutIDs(_ answer: String) -> String {
        answer.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("\"id\":") }.joined(separator: "\n")
    }

    /// What the sampled questions answer: state and two-hop neighbours at two valid times.
    static func answers(_ stores: [String]) throws -> [String] {
        var answers: [String] = []
        for at in ["2025-01-20T00:00:00Z", "2025-03-01T00:00:00Z"] {
            for command in [["state", "Tractor/6520"], ["state", "Driver/D-1"], ["neighbors", "Driver/D-1", "--depth", "2"]] {
                let run = try apex(command + ["--at", at, "--known-at", "2026-01-01T00:00:00Z"] + stores)
                answers.append("\(run.status) \(run.stdout)")
            }
        }
        return answers
    }

    struct Run {
        let status: Int32
        let signalled: Bool
        let stdout: String
        let stderr: String
    }

    /// Runs `apex`; with `killAfter`, sends it SIGKILL after that long (when it is still running).
    static func apex(_ arguments: [String], environment extra: [String: String] = [:], killAfter: Duration? = nil) throws -> Run {
        let process = Process()
        process.executableURL = try ApexBinary.url()
        process.arguments = arguments
        process.environment = ApexBinary.environment.merging(extra) { _, new in new }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let killAfter {
            // On this thread, so that a process that already ended (its pid free for another) is never signalled.
            Thread.sleep(forTimeInterval: Double(killAfter.components.seconds) + Double(killAfter.components.attoseconds) / 1e18)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
            stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}
