import ApexCore
import ApexTesting
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Two `apex serve` processes over one PostgreSQL and one Redis: a write through one, the next read through the other is fresh.
@Suite struct TwoServersTests {
    static func request(_ port: Int, _ method: String, _ path: String, body: String? = nil) async throws -> (status: Int, body: JSONValue?) {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
        request.httpMethod = method
        request.timeoutInterval = 30
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/x-ndjson", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try? JSONParser.parse(Array(data)))
    }

    static func serve(databaseURL: String?, cacheURL: String, namespace: String, example: Bool, data: String? = nil) async throws -> (ChildProcess, Int) {
        var arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--cache-url", cacheURL, "--cache-namespace", namespace, "--log-level", "warning"]
        if let databaseURL { arguments += ["--database-url", databaseURL] }
        if let data { arguments += ["--data", data] }
        if example { arguments += ["--example", "--example-dir", ApexBinary.exampleDirectory] }
        let process = try ApexBinary.start(arguments, name: "apex serve")
        let port: Int? = try await process.waitForOutput(within: .seconds(60)) { output in
            output.split(separator: "\n").first { $0.hasPrefix("apex listening on http://127.0.0.1:") }.flatMap { $0.split(separator: ":").last }.flatMap { Int($0) }
        }
        guard let port else {
            process.stopAndRemove()
            throw ApexBinary.ChildTimeout(description: "apex serve did not start listening\n\(process.output)")
        }
        return (process, port)
    }

    /// The relations of a tractor's state as `TYPE Type/key`, as one server answers now.
    static func relations(_ port: Int, _ tractor: String) async throws -> [String] {
        let answer = try await request(port, "GET", "/api/v1/entities/Tractor/\(tractor)/state")
        guard answer.status == 200, case .array(let relations)? = answer.body?["relations"] else {
            Issue.record("state of \(tractor): \(answer.status) \(String(describing: answer.body))")
            return []
        }
        return relations.compactMap { relation in
            guard let type = relation["type"]?.stringValue, let entity = relation["entity"]?["type"]?.stringValue,
                let key = relation["entity"]?["key"]?.stringValue
            else { return nil }
            return "\(type) \(entity)/\(key)"
        }.sorted()
    }

    @Test func withRedisDownReadsComeFromTheStoresHealthIsDegradedAndWritesAreRefused() async throws {
        let data = try SpecFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        // Loaded first without a cache: with the cache down, apex serve --example would refuse to write the example.
        let example = ApexBinary.exampleDirectory
        let loaded = try await ApexBinary.run([
            "ingest", "\(example)/records.jsonl", "--ontology", "\(example)/ontology.yaml", "--data", data,
        ])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let deadPort = try LoopbackSocket.freePort()
        let (server, port) = try await Self.serve(
            databaseURL: nil, cacheURL: "redis://127.0.0.1:\(deadPort)", namespace: "down", example: false, data: data)
        defer { server.stopAndRemove() }
        #expect(try await Self.relations(port, "6544").contains("ASSIGNED_TO Driver/D-17"), "answers come from the store")
        let health = try await Self.request(port, "GET", "/health")
        #expect(health.status == 200, "\(String(describing: health.body))")
        #expect(health.body?["status"] == "degraded" && health.body?["stores"]?["cache"]?["status"] == "down", "\(String(describing: health.body))")
        let status = #"{"kind":"state","entity":{"type":"Tractor","key":"6544"},"valid_at":"2025-06-02T00:00:00Z","set":{"status":"in_repair"}}"#
        let refused = try await Self.request(port, "POST", "/api/v1/records", body: status)
        #expect(refused.status == 503 && refused.body?["error"]?["code"] == "cache_unavailable", "\(String(describing: refused.body))")
        let state = try await Self.request(port, "GET", "/api/v1/entities/Tractor/6544/state")
        #expect(state.body?["properties"]?["status"] != "in_repair", "nothing was written")
    }

    @Test func aWriteThroughOneServerIsSeenThroughTheOther() async throws {
        let databaseURL = try await PostgresTestServer.shared.freshDatabase()
        let cacheURL = try RedisTestServer.url()
        let namespace = RedisTestServer.freshNamespace()
        let (first, firstPort) = try await Self.serve(databaseURL: databaseURL, cacheURL: cacheURL, namespace: namespace, example: true)
        defer { first.stopAndRemove() }
        let (second, secondPort) = try await Self.serve(databaseURL: databaseURL, cacheURL: cacheURL, namespace: namespace, example: false)
        defer { second.stopAndRemove() }

        // In the example fleet D-17 drives 6544 (one_to_one); read it through the second server twice (the second read is cached).
        let before = try await Self.relations(secondPort, "6544")
        #expect(before.contains("ASSIGNED_TO Driver/D-17"), "\(before)")
        #expect(try await Self.relations(secondPort, "6544") == before)
        let metrics = try await URLSession.shared.data(from: try #require(URL(string: "http://127.0.0.1:\(secondPort)/metrics"))).0
        #expect(String(decoding: metrics, as: UTF8.self).contains("apex_cache_hits_total{class=\"temporal_facts\"} "), "hits are counted")

        // Through the first server, D-17 moves to 6530: the record never names 6544, whose answer changes by supersession.
        let move = #"{"kind":"fact","type":"ASSIGNED_TO","from":{"type":"Driver","key":"D-17"},"to":{"type":"Tractor","key":"6530"},"valid_at":"2025-06-01T00:00:00Z"}"#
        let posted = try await Self.request(firstPort, "POST", "/api/v1/records", body: move)
        #expect(posted.status == 200, "\(String(describing: posted.body))")
        let after = try await Self.relations(secondPort, "6544")
        #expect(!after.contains("ASSIGNED_TO Driver/D-17"), "the second server still answers the old assignment: \(after)")
        #expect(try await Self.relations(secondPort, "6530").contains("ASSIGNED_TO Driver/D-17"))

        // And a property change of the entity itself.
        let status = #"{"kind":"state","entity":{"type":"Tractor","key":"6544"},"valid_at":"2025-06-02T00:00:00Z","set":{"status":"in_repair"}}"#
        #expect(try await Self.request(secondPort, "POST", "/api/v1/records", body: status).status == 200)
        let state = try await Self.request(firstPort, "GET", "/api/v1/entities/Tractor/6544/state")
        #expect(state.body?["properties"]?["status"] == "in_repair", "\(String(describing: state.body))")

        let health = try await Self.request(firstPort, "GET", "/health")
        #expect(health.status == 200 && health.body?["stores"]?["cache"]?["status"] == "ok", "\(String(describing: health.body))")
    }
}
