import ApexRESP
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A server that is away, slow, busy or refusing turns into a clear error within its bound, and answers resume once it is back.
@Suite struct RESPAvailabilityTests {
    @Test func aClosedPortFailsWithinTheConnectBound() async throws {
        var configuration = RESPConfiguration(host: "127.0.0.1", port: 1, connectTimeout: .seconds(2))
        configuration.maxConnections = 1
        let started = ContinuousClock.now
        do {
            _ = try await RESPConnection.connect(configuration: configuration)
            Issue.record("a closed port accepted a connection")
        } catch let error as RESPError {
            #expect(error.serverUnavailable)
            #expect(error.description.contains("127.0.0.1:1"))
        }
        try await GraphTestServer.withClient(configuration) { client in
            do {
                _ = try await client.send(["PING"])
                Issue.record("a closed port answered")
            } catch let error as RESPError {
                #expect(error.serverUnavailable)
                #expect(error == .cannotConnect(server: "127.0.0.1:1", reason: "the connection was refused (is a server listening on that port?)"))
            }
        }
        #expect(ContinuousClock.now - started < .seconds(4))
    }

    @Test func aServerThatAcceptsButNeverAnswersTimesOutConnecting() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let configuration = RESPConfiguration(host: "127.0.0.1", port: listener.port, connectTimeout: .milliseconds(500))
        let started = ContinuousClock.now
        do {
            _ = try await RESPConnection.connect(configuration: configuration)
            Issue.record("a silent server completed a handshake")
        } catch let error as RESPError {
            #expect(error == .connectTimeout(server: "127.0.0.1:\(listener.port)", timeout: .milliseconds(500)))
            #expect(error.serverUnavailable)
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(500))
        #expect(elapsed < .seconds(5))
    }

    @Test func aWrongPasswordIsRefusedAsAnAuthenticationError() async throws {
        let url = try GraphTestServer.url()
        // The test server has no password: AUTH with one is refused with the server's own message.
        let resp2 = RESPConfiguration(host: url.host, port: url.port, password: "wrong", protocolVersion: .resp2)
        do {
            _ = try await RESPConnection.connect(configuration: resp2)
            Issue.record("AUTH with a password the server does not have succeeded")
        } catch let error as RESPError {
            guard case .authenticationRefused(_, let message) = error else {
                Issue.record("not an authentication error: \(error)")
                return
            }
            #expect(message.contains("without any password configured"))
            #expect(!error.serverUnavailable)
            #expect(!error.description.contains("wrong"))
        }
        // HELLO 3 AUTH for a user that does not exist.
        let resp3 = RESPConfiguration(host: url.host, port: url.port, username: "nobody", password: "wrong", protocolVersion: .resp3)
        try await GraphTestServer.withClient(resp3) { client in
            do {
                _ = try await client.send(["PING"])
                Issue.record("HELLO with a user that does not exist succeeded")
            } catch let error as RESPError {
                #expect(error.serverMessage?.hasPrefix("WRONGPASS") == true)
                if case .authenticationRefused = error {} else { Issue.record("not an authentication error: \(error)") }
            }
        }
    }

    @Test func aKilledConnectionIsReplacedAndTheNextCommandSucceeds() async throws {
        try await GraphTestServer.withClient(try GraphTestServer.configuration(maxConnections: 1)) { client in
            let before = try #require(try await client.send(["CLIENT", "ID"]).int)
            try await GraphTestServer.withClient(try GraphTestServer.configuration()) { killer in
                let killed = try await killer.send(["CLIENT", "KILL", "ID", "\(before)"])
                #expect(killed == .integer(1))
            }
            #expect(try await client.send(["PING"]) == .simpleString("PONG"))
            let after = try #require(try await client.send(["CLIENT", "ID"]).int)
            #expect(after != before)
        }
    }

    @Test func everyConnectionOfThePoolKilledAtOnce() async throws {
        try await GraphTestServer.withClient(try GraphTestServer.configuration(maxConnections: 3)) { client in
            let ids = try await withThrowingTaskGroup(of: Int?.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await client.withConnection { connection in
                            // Hold the connection a moment so that the three tasks use three connections.
                            try await Task.sleep(for: .milliseconds(200))
                            return try await connection.send(["CLIENT", "ID"]).int
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { if let id = $1 { $0.append(id) } }
            }
            #expect(Set(ids).count == 3)
            try await GraphTestServer.withClient(try GraphTestServer.configuration()) { killer in
                for id in ids { _ = try await killer.send(["CLIENT", "KILL", "ID", "\(id)"]) }
            }
            #expect(try await client.send(["PING"]) == .simpleString("PONG"))
        }
    }

    @Test func aLateReplyTimesOutAndTheNextCommandUsesANewConnection() async throws {
        var configuration = try GraphTestServer.configuration(maxConnections: 1)
        configuration.commandTimeout = .milliseconds(500)
        let key = GraphTestServer.key("never-filled")
        try await GraphTestServer.withClient(configuration) { client in
            let before = try await client.send(["CLIENT", "ID"]).int
            let started = ContinuousClock.now
            do {
                // Blocks until the key gets an element, which never happens.
                _ = try await client.send(["BLPOP", key, "0"])
                Issue.record("BLPOP on an empty list answered")
            } catch let error as RESPError {
                #expect(error == .replyTimeout(server: configuration.server, timeout: .milliseconds(500)))
                #expect(error.serverUnavailable)
            }
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(try await client.send(["PING"]) == .simpleString("PONG"))
            #expect(try await client.send(["CLIENT", "ID"]).int != before)
        }
    }

    @Test func aCallerWaitsForAFreeConnectionNoLongerThanTheLeaseTimeout() async throws {
        var configuration = try GraphTestServer.configuration(maxConnections: 1)
        configuration.leaseTimeout = .milliseconds(300)
        let key = GraphTestServer.key("held")
        try await GraphTestServer.withClient(configuration) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Holds the only connection for 2 s.
                    _ = try await client.send(["BLPOP", key, "2"])
                }
                try await Task.sleep(for: .milliseconds(100))
                let started = ContinuousClock.now
                do {
                    _ = try await client.send(["PING"])
                    Issue.record("a command ran while the only connection was held")
                } catch let error as RESPError {
                    #expect(error == .noFreeConnection(server: configuration.server, timeout: .milliseconds(300)))
                    #expect(error.serverUnavailable)
                }
                let waited = ContinuousClock.now - started
                #expect(waited >= .milliseconds(300))
                #expect(waited < .seconds(2))
                try await group.waitForAll()
            }
            // Once the connection is free again, commands run.
            #expect(try await client.send(["PING"]) == .simpleString("PONG"))
        }
    }

    @Test func aClientThatWasShutDownSaysSo() async throws {
        let client = RESPClient(configuration: try GraphTestServer.configuration())
        #expect(try await client.send(["PING"]) == .simpleString("PONG"))
        await client.shutdown()
        await #expect(throws: RESPError.clientShutDown(server: client.configuration.server)) { try await client.send(["PING"]) }
    }

    @Test func anEmptyCommandIsRefusedBeforeItIsSent() async throws {
        try await GraphTestServer.withClient(try GraphTestServer.configuration()) { client in
            await #expect(throws: RESPError.emptyCommand) { try await client.send([String]()) }
            let pong = try await client.send(["PING"])
            #expect(pong == .simpleString("PONG"))
        }
    }
}

/// A loopback socket that listens and never accepts: the kernel completes the TCP handshake, and nothing ever answers.
final class SilentListener: Sendable {
    let descriptor: Int32
    let port: Int

    struct Failure: Error, CustomStringConvertible {
        let step: String
        var description: String { "the silent listener could not \(step) (errno \(errno))" }
    }

    init() throws {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(step: "open a socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 8) == 0 else {
            Self.close(descriptor)
            throw Failure(step: "listen")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else {
            Self.close(descriptor)
            throw Failure(step: "read its port")
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        Self.close(descriptor)
    }

    private static func close(_ descriptor: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
    }
}
