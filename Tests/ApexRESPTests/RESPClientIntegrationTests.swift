import ApexRESP
import Foundation
import NIOCore
import Testing

/// The client against a real FalkorDB (a Redis 8 server with the graph module), in both protocol versions.
@Suite struct RESPClientIntegrationTests {
    static let versions: [RESPProtocol] = [.resp2, .resp3]

    @Test(arguments: versions)
    func ping(_ version: RESPProtocol) async throws {
        try await GraphTestServer.withClient(try GraphTestServer.configuration(version)) { client in
            #expect(try await client.send(["PING"]) == .simpleString("PONG"))
            #expect(try await client.send(["PING", "hello"]) == .bulk("hello"))
            try await client.withConnection { connection in
                #expect(connection.protocolVersion == version)
                #expect(connection.isActive)
            }
        }
    }

    /// Values that break naive encoders: quotes, line breaks, NUL bytes, invalid UTF-8, non-ASCII text, nothing, and a lot.
    static let awkwardValues: [[UInt8]] = [
        Array(#"quotes " ' ` \ and a backslash"#.utf8),
        Array("line\r\nbreaks\r\n\r\n".utf8),
        [0, 0, 1, 0, 255, 0],
        [0xFF, 0xFE, 0xC3, 0x28],
        Array("Unicode: ünïcödé, 日本語, 🚜🌾".utf8),
        [],
        Array("$5\r\nfake\r\n*2\r\n:1\r\n".utf8),
        (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) },
    ]

    @Test(arguments: versions)
    func setAndGetAreBinarySafe(_ version: RESPProtocol) async throws {
        try await GraphTestServer.withClient(try GraphTestServer.configuration(version)) { client in
            for (index, value) in Self.awkwardValues.enumerated() {
                let key = Array(GraphTestServer.key("binary\r\n\(index)").utf8) + [0]
                #expect(try await client.send([Array("SET".utf8), key, value]) == .simpleString("OK"))
                let read = try await client.send([Array("GET".utf8), key])
                #expect(read.bytes == value, "value \(index) came back changed")
                #expect(try await client.send([ByteBuffer(string: "STRLEN"), ByteBuffer(bytes: key)]).int == value.count)
                _ = try await client.send([Array("DEL".utf8), key])
            }
            let missing = try await client.send(["GET", GraphTestServer.key("missing")])
            #expect(missing.isNull)
        }
    }

    @Test(arguments: versions)
    func aThousandPipelinedCommandsInOneWrite(_ version: RESPProtocol) async throws {
        try await GraphTestServer.withClient(try GraphTestServer.configuration(version)) { client in
            let counter = GraphTestServer.key("counter")
            let replies = try await client.pipeline((1...1000).map { _ in ["INCR", counter] })
            #expect(replies == (1...1000).map { .integer(Int64($0)) })
            let key = GraphTestServer.key("echo")
            let mixed = try await client.pipeline((1...1000).flatMap { [["SET", key, "v\($0)"], ["GET", key]] })
            #expect(mixed.count == 2000)
            #expect(mixed.enumerated().allSatisfy { $0.offset % 2 == 0 ? $0.element == .simpleString("OK") : $0.element == .bulk("v\($0.offset / 2 + 1)") })
            _ = try await client.send(["DEL", counter, key])
            #expect(try await client.pipeline([] as [RESPCommand]) == [])
        }
    }

    @Test func resp3TypesAndTheirRESP2Forms() async throws {
        let hash = GraphTestServer.key("hash")
        let sortedSet = GraphTestServer.key("zset")
        try await GraphTestServer.withClient(try GraphTestServer.configuration(.resp3)) { client in
            _ = try await client.pipeline([["HSET", hash, "field", "value"], ["ZADD", sortedSet, "1.5", "member"]])
            let map = try await client.send(["HGETALL", hash])
            #expect(map == .map([.init(key: .bulk("field"), value: .bulk("value"))]))
            #expect(try await client.send(["ZSCORE", sortedSet, "member"]) == .double(1.5))
            #expect(try await client.send(["GET", GraphTestServer.key("none")]) == .null)
            let hello = try await client.send(["HELLO", "3"])
            #expect(hello["proto"]?.int == 3)
        }
        try await GraphTestServer.withClient(try GraphTestServer.configuration(.resp2)) { client in
            let flat = try await client.send(["HGETALL", hash])
            #expect(flat == .array([.bulk("field"), .bulk("value")]))
            #expect(flat["field"] == .bulk("value"))
            let score = try await client.send(["ZSCORE", sortedSet, "member"])
            #expect(score == .bulk("1.5"))
            #expect(score.double == 1.5)
            #expect(try await client.send(["GET", GraphTestServer.key("none")]) == .bulkString(nil))
            _ = try await client.send(["DEL", hash, sortedSet])
        }
    }

    @Test func fiftyTasksShareAPoolOfFour() async throws {
        try await GraphTestServer.withClient(try GraphTestServer.configuration(maxConnections: 4, patience: .seconds(90))) { client in
            let prefix = GraphTestServer.key("concurrent")
            let ids = try await withThrowingTaskGroup(of: Set<Int>.self) { group in
                for task in 0..<50 {
                    group.addTask {
                        let key = "\(prefix):\(task)"
                        var ids = Set<Int>()
                        for round in 0..<20 {
                            #expect(try await client.send(["SET", key, "\(task)-\(round)"]) == .simpleString("OK"))
                            #expect(try await client.send(["GET", key]) == .bulk("\(task)-\(round)"))
                        }
                        if let id = try await client.send(["CLIENT", "ID"]).int { ids.insert(id) }
                        _ = try await client.send(["DEL", key])
                        return ids
                    }
                }
                return try await group.reduce(into: Set<Int>()) { $0.formUnion($1) }
            }
            // Every command ran on one of at most four server connections.
            #expect(!ids.isEmpty)
            #expect(ids.count <= 4)
        }
    }

    @Test(arguments: versions)
    func aGraphQueryRoundTrip(_ version: RESPProtocol) async throws {
        let graph = "t_\(UInt64.random(in: 0...UInt64.max))"
        try await GraphTestServer.withClient(try GraphTestServer.configuration(version)) { client in
            let reply = try await client.send(["GRAPH.QUERY", graph, "RETURN 1, 'two' AS s", "--compact"])
            // Compact form: [header, rows, statistics]; each cell is [type, value], 3 being an integer and 2 a string.
            let parts = try #require(reply.array)
            #expect(parts.count == 3)
            let row = try #require(parts[1].array?.first?.array)
            #expect(row[0].array?[1].int == 1)
            #expect(row[1].array?[1].string == "two")
            let created = try await client.send(["GRAPH.QUERY", graph, "CREATE (:Tractor {model: '6520'}) RETURN 1", "--compact"])
            #expect(created.array?.count == 3)
            let read = try await client.send(["GRAPH.QUERY", graph, "MATCH (t:Tractor) RETURN t.model"])
            #expect(read.array?[1].array?.first?.array?.first?.string == "6520")
            _ = try await client.send(["GRAPH.DELETE", graph])
        }
    }

    @Test(arguments: versions)
    func anErrorReplyIsThrownWithTheServersMessage(_ version: RESPProtocol) async throws {
        let graph = "t_\(UInt64.random(in: 0...UInt64.max))"
        try await GraphTestServer.withClient(try GraphTestServer.configuration(version, maxConnections: 1)) { client in
            do {
                _ = try await client.send(["GRAPH.QUERY", graph, "RETURN secret-value syntax error"])
                Issue.record("a malformed query was answered")
            } catch let error as RESPError {
                #expect(!error.serverUnavailable)
                guard case .serverError(_, let message) = error else {
                    Issue.record("not a server error: \(error)")
                    return
                }
                #expect(message.contains("errMsg"))
                #expect(error.description.contains("errMsg"))
                #expect(!error.description.contains("secret-value"))
            }
            let key = GraphTestServer.key("wrongtype")
            _ = try await client.send(["SET", key, "x"])
            await #expect(throws: RESPError.self) { try await client.send(["LPUSH", key, "y"]) }
            do {
                _ = try await client.send(["LPUSH", key, "y"])
            } catch let error as RESPError {
                #expect(error.serverErrorCode == "WRONGTYPE")
            }
            // In a pipeline the first error is thrown once every reply was read: the connection stays in step.
            await #expect(throws: RESPError.self) { try await client.pipeline([["GET", key], ["LPUSH", key, "y"], ["GET", key]]) }
            #expect(try await client.send(["GET", key]) == .bulk("x"))
            _ = try await client.send(["DEL", key])
        }
    }

    @Test func pushMessagesDoNotTakeTheirPlaceInTheReplies() async throws {
        let key = GraphTestServer.key("tracked")
        try await GraphTestServer.withClient(try GraphTestServer.configuration(.resp3, maxConnections: 1)) { client in
            try await client.withConnection { connection in
                #expect(try await connection.send(["CLIENT", "TRACKING", "on"]) == .simpleString("OK"))
                _ = try await connection.send(["SET", key, "1"])
                _ = try await connection.send(["GET", key])
                // This write invalidates the key this connection read: the server pushes an invalidation beside the replies.
                let replies = try await connection.pipeline([RESPCommand(["SET", key, "2"]), RESPCommand(["GET", key]), RESPCommand(["SET", key, "3"]), RESPCommand(["PING"])])
                #expect(replies == [.simpleString("OK"), .bulk("2"), .simpleString("OK"), .simpleString("PONG")])
                #expect(try await connection.send(["CLIENT", "TRACKING", "off"]) == .simpleString("OK"))
            }
            #expect(try await client.send(["DEL", key]) == .integer(1))
        }
    }

    @Test func theDatabaseIndexIsSelected() async throws {
        let key = GraphTestServer.key("db")
        var configuration = try GraphTestServer.configuration(.resp2)
        configuration.database = 3
        try await GraphTestServer.withClient(configuration) { client in
            _ = try await client.send(["SET", key, "in 3"])
        }
        try await GraphTestServer.withClient(try GraphTestServer.configuration(.resp3)) { client in
            let exists = try await client.send(["EXISTS", key])
            #expect(exists == .integer(0))
        }
        configuration.protocolVersion = .resp3
        try await GraphTestServer.withClient(configuration) { client in
            #expect(try await client.send(["GET", key]) == .bulk("in 3"))
            _ = try await client.send(["DEL", key])
        }
    }
}
