public import ApexRESP
import Foundation

/// The real Redis the cache tests run against: the shared one named by `APEX_TEST_CACHE_URL`, or a private one a test may stop.
///
/// `./scripts/test.sh` starts the shared server (Debian's `redis-server`) and
/// exports its URL. Tests keep apart by namespace. Without the variable every
/// test here fails, naming it: a missing server is never a silent skip.
public enum RedisTestServer {
    struct NotConfigured: Error, CustomStringConvertible {
        var description: String { "APEX_TEST_CACHE_URL is not set: run ./scripts/test.sh, which starts a throwaway Redis and sets it" }
    }

    /// The shared server's URL.
    public static func url() throws -> String {
        guard let text = ProcessInfo.processInfo.environment["APEX_TEST_CACHE_URL"], !text.isEmpty else { throw NotConfigured() }
        return text
    }

    /// A namespace no other test uses.
    public static func freshNamespace() -> String {
        "t\(ProcessInfo.processInfo.processIdentifier)_\(UUID().uuidString.prefix(8))"
    }
}

/// A Redis server of a test's own on a free loopback port, which it may kill, restart, pause (SIGSTOP) and resume.
public struct PrivateRedis: Sendable {
    public let port: Int
    public let directory: String

    struct NotStarted: Error, CustomStringConvertible {
        let description: String
    }

    public var url: String { "redis://127.0.0.1:\(port)" }

    /// A server on a free port, answering PING.
    public static func start() async throws -> (PrivateRedis, ChildProcess) {
        let directory = try SpecFixtures.temporaryDirectory()
        for _ in 1...5 {
            let server = PrivateRedis(port: try LoopbackSocket.freePort(), directory: directory)
            if let process = try await server.run() { return (server, process) }
        }
        throw NotStarted(description: "a private Redis did not start on a free port in five tries (log: \(directory)/redis.log)")
    }

    /// The `redis-server` binary: `APEX_TEST_REDIS_SERVER`, else the first on the PATH.
    static func executable() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["APEX_TEST_REDIS_SERVER"], !path.isEmpty { return URL(fileURLWithPath: path) }
        for directory in (environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(directory)/redis-server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw NotStarted(description: "redis-server is not on the PATH: run ./scripts/test.sh, which installs Debian's redis-server")
    }

    /// Starts the server on this port; nil when it exits first (the port was taken).
    public func run() async throws -> ChildProcess? {
        let process = try ChildProcess(
            "redis", executable: try Self.executable(),
            arguments: [
                "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--logfile",
                (directory as NSString).appendingPathComponent("redis.log"),
            ])
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                process.stopAndRemove()
                return nil
            }
            if (try? await command(["PING"])) != nil { return process }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.stopAndRemove()
        throw NotStarted(description: "the private Redis on port \(port) did not answer within 20 s")
    }

    /// Sends one command on a connection of its own.
    @discardableResult
    public func command(_ arguments: [String]) async throws -> RESPValue {
        try await Self.command(port: port, arguments)
    }

    /// Sends one command to the RESP server on a loopback port, on a connection of its own (for test servers: Redis, FalkorDB).
    @discardableResult
    public static func command(port: Int, _ arguments: [String], timeout: Duration = .seconds(10)) async throws -> RESPValue {
        let client = RESPClient(configuration: RESPConfiguration(port: port, maxConnections: 1, connectTimeout: .seconds(2), commandTimeout: timeout))
        do {
            let reply = try await client.send(arguments)
            await client.shutdown()
            return reply
        } catch {
            await client.shutdown()
            throw error
        }
    }
}
