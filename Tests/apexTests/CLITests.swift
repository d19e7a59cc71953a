import ApexCore
import ApexTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Runs the built `apex` binary the way a user does and checks stdout, stderr and exit status.
@Suite struct CLITests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String

        var json: JSONValue? { try? JSONParser.parse(stdout) }
    }

    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("apex"),
            Bundle.main.bundleURL.appendingPathComponent("apex"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("apex"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    static func apex(_ arguments: [String], input: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = root
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "APEX_DATA")
        environment.removeValue(forKey: "APEX_DATABASE_URL")
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inputPipe = Pipe()
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A directory for a memory apex has not made yet (inside the test process's scratch directory).
    static func temporaryDirectory() -> String {
        let scratch = (try? SpecFixtures.temporaryDirectory()) ?? NSTemporaryDirectory()
        return (scratch as NSString).appendingPathComponent("data")
    }

    static func loadedExample() throws -> String {
        let data = temporaryDirectory()
        let run = try apex(["ingest", "examples/logistics/records.jsonl", "--ontology", "examples/logistics/ontology.yaml", "--data", data])
        #expect(run.status == 0, "\(run.stderr)")
        return data
    }

    @Test func ingestThenStateAnswersTheSpecDocument() throws {
        let data = try Self.loadedExample()
        let run = try Self.apex(["state", "Tractor/6520", "--at", "2025-03-02T00:00:00Z", "--data", data])
        #expect(run.status == 0)
        let answer = try #require(run.json)
        #expect(answer["entity"]?["type"] == "Tractor")
        #expect(answer["entity"]?["key"] == "6520")
        #expect(EntityID(answer["entity"]?["id"]?.stringValue ?? "")?.version == 7)
        #expect(answer["at"] == "2025-03-02T00:00:00Z")
        #expect(answer["properties"]?["status"] == "in_repair")
        #expect(answer["properties"]?["current_miles"] == 440_120)
        #expect(answer["properties"]?["location"] == nil)
        guard case .array(let relations)? = answer["relations"] else { Issue.record("no relations"); return }
        #expect(relations.contains { $0["type"] == "ASSIGNED_TO" && $0["direction"] == "incoming" && $0["entity"]?["key"] == "D-17" })
        let earlier = try Self.apex(["state", "Tractor/6520", "--at", "2025-03-02T00:00:00Z", "--known-at", "2025-03-02T00:00:00Z", "--data", data])
        #expect(earlier.json?["properties"]?["current_miles"] == 441_200)
        #expect(earlier.json?["known_at"] == "2025-03-02T00:00:00Z")
    }

    @Test func timelineAndHistoryPrintTheirDocuments() throws {
        let data = try Self.loadedExample()
        let timeline = try Self.apex(["timeline", "Tractor/6520", "--property", "status", "--data", data])
        #expect(timeline.status == 0)
        guard case .array(let events)? = timeline.json?["events"] else { Issue.record("no events"); return }
        #expect(events.map { $0["value"] } == ["active", "in_repair", "active"])
        #expect(events.last?["valid_to"] == .null)
        let history = try Self.apex(["entity", "history", "Driver/D-17", "--data", data])
        #expect(history.status == 0)
        guard case .array(let items)? = history.json?["events"] else { Issue.record("no history"); return }
        #expect(items.contains { $0["kind"] == "relation" && $0["ended_by"] == "superseded" })
        let validTimes = items.compactMap { $0["valid_at"]?.stringValue }
        #expect(validTimes == validTimes.sorted())
    }

    @Test func queryErrorsAreOneSentenceAndExitOne() throws {
        let data = try Self.loadedExample()
        let unknown = try Self.apex(["state", "Tractor/9999", "--data", data])
        #expect(unknown.status == 1)
        #expect(unknown.stdout.isEmpty)
        #expect(unknown.stderr.contains("unknown entity Tractor/9999"))
        #expect(unknown.stderr.split(separator: "\n").count == 1)
        let early = try Self.apex(["state", "Tractor/6520", "--at", "2024-01-01T00:00:00Z", "--data", data])
        #expect(early.status == 1)
        #expect(early.stderr.contains("did not exist at 2024-01-01T00:00:00Z"))
        let badTime = try Self.apex(["state", "Tractor/6520", "--at", "yesterday", "--data", data])
        #expect(badTime.status == 1)
        #expect(badTime.stderr.contains("--at \"yesterday\""))
        let badPath = try Self.apex(["state", "Tractor", "--data", data])
        #expect(badPath.status == 1)
        let noMemory = try Self.apex(["state", "Tractor/6520", "--data", Self.temporaryDirectory()])
        #expect(noMemory.status == 1)
        #expect(noMemory.stderr.contains("there is no memory"))
    }

    @Test func aBadFileNamesItsLineAndStoresNothing() throws {
        let data = try Self.loadedExample()
        let lines = [
            #"{"kind":"state","entity":{"type":"Tractor","key":"7777"},"valid_at":"2025-03-01T08:00:00Z","set":{"status":"active"}}"#,
            #"{"kind":"state","entity":{"type":"Tractor","key":"7777"},"valid_at":"2025-03-02T08:00:00Z","set":{"current_miles":"lots"}}"#,
        ]
        let path = (try SpecFixtures.temporaryDirectory() as NSString).appendingPathComponent("bad.jsonl")
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let run = try Self.apex(["ingest", path, "--data", data])
        #expect(run.status == 1)
        #expect(run.stderr.contains("line 2"))
        #expect(run.stderr.contains("current_miles"))
        #expect(run.stderr.contains("nothing was stored"))
        #expect(!run.stderr.contains("Fatal") && !run.stderr.contains("Stack"))
        let query = try Self.apex(["state", "Tractor/7777", "--data", data])
        #expect(query.status == 1)
        #expect(query.stderr.contains("unknown entity"))
    }

    @Test func ingestReadsStandardInputAndIsIdempotent() throws {
        let data = try Self.loadedExample()
        let records = try String(contentsOfFile: Self.root.appendingPathComponent("examples/logistics/records.jsonl").path, encoding: .utf8)
        let before = try Self.apex(["entity", "history", "Tractor/6520", "--data", data]).json?["events"]
        let again = try Self.apex(["ingest", "-", "--data", data], input: records)
        #expect(again.status == 0)
        #expect(again.json?["new_entities"] == 0)
        #expect(before != nil)
        #expect(try Self.apex(["entity", "history", "Tractor/6520", "--data", data]).json?["events"] == before)
    }

    @Test func migrateStatusDownAndUp() throws {
        let data = try Self.loadedExample()
        let status = try Self.apex(["migrate", "status", "--json", "--data", data])
        #expect(status.status == 0)
        guard case .array(let rows)? = status.json?["migrations"] else { Issue.record("no rows"); return }
        #expect(rows.first?["state"] == "applied")
        #expect(rows.first?["checksum"]?.stringValue?.count == 64)
        let newest = rows.count
        let down = try Self.apex(["migrate", "down", "--data", data])
        #expect(down.status == 0)
        #expect(down.stdout.contains("rolled back \(newest)"))
        let pending = try Self.apex(["migrate", "status", "--json", "--data", data])
        guard case .array(let after)? = pending.json?["migrations"] else { Issue.record("no rows"); return }
        #expect(after.map { $0["state"] } == Array(repeating: "applied", count: newest - 1) + ["pending"])
        let up = try Self.apex(["migrate", "up", "--data", data])
        #expect(up.status == 0)
        #expect(up.stdout.contains("applied \(newest)"))
        let all = try Self.apex(["migrate", "down", "--to", "0", "--data", data])
        #expect(all.stdout.contains("rolled back \(newest)") && all.stdout.contains("rolled back 1"))
        let again = try Self.apex(["state", "Tractor/6520", "--data", data])
        #expect(again.status == 1)
        #expect(again.stderr.contains("no ontology"))
    }

    @Test func helpAndUsageErrors() throws {
        let help = try Self.apex(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("ingest"))
        let missing = try Self.apex(["timeline", "Tractor/6520"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("--property"))
        // A PostgreSQL-only flag on the embedded store is refused, not ignored.
        let halfvec = try Self.apex(["search", "brakes", "--halfvec", "--data", Self.temporaryDirectory()])
        #expect(halfvec.status == 1)
        #expect(halfvec.stderr.contains("--halfvec applies to PostgreSQL only"))
    }
}

/// `apex serve` as a process: it listens on the port it prints and stops cleanly on SIGTERM.
@Suite struct ServeProcessTests {
    @Test func servesAndShutsDownGracefullyOnSIGTERM() async throws {
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = ["serve", "--port", "0", "--data", CLITests.temporaryDirectory(), "--example", "--log-level", "warning"]
        process.currentDirectoryURL = CLITests.root
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = ""
        while !line.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        #expect(line.hasPrefix("apex listening on http://127.0.0.1:"))
        let port = line.split(separator: ":").last.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/health"))
        let (body, response) = try await URLSession.shared.data(from: url)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(try JSONParser.parse(Array(body))["status"] == "ok")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}
