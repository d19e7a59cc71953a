import ApexCore
import ApexHTTP
import ApexPorts
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Writes sent with an `Idempotency-Key` over real HTTP: a retry gets the first answer and applies nothing twice.
@Suite struct IdempotencyTests {
    static let key = HTTPFields.Element.Name("Idempotency-Key")!
    static let replayed = HTTPFields.Element.Name("Idempotent-Replayed")!
    static let report = #"{"title": "Shop report", "content": "Unit 6520 went into the Dallas shop with a failed DPF filter."}"#

    struct Reply {
        let status: HTTPResponse.Status
        let text: String
        let replayed: Bool
        var json: JSONValue? { try? JSONParser.parse(text) }
    }

    static func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, body: String?, key: String?,
        contentType: String = "application/json"
    ) async throws -> Reply {
        var headers: HTTPFields = [.contentType: contentType]
        if let key { headers[Self.key] = key }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            Reply(status: response.status, text: String(buffer: response.body), replayed: response.headers[Self.replayed] == "true")
        }
    }

    @Test func aRetriedRecordsPostGetsTheFirstAnswerAndAppliesNothingTwice() async throws {
        let (app, memory) = try await HTTPFixtures.application()
        try await memory.setOntology(source: try String(contentsOfFile: HTTPFixtures.exampleOntology, encoding: .utf8))
        let records = try String(contentsOfFile: HTTPFixtures.exampleRecords, encoding: .utf8)
        try await app.test(.live) { client in
            let first = try await Self.send(client, .post, "/api/v1/records", body: records, key: "load-1", contentType: "application/x-ndjson")
            #expect(first.status == .ok && !first.replayed)
            let newEntities = try #require(first.json?["new_entities"])
            #expect(newEntities != .integer(0))
            let retry = try await Self.send(client, .post, "/api/v1/records", body: records, key: "load-1", contentType: "application/x-ndjson")
            #expect(retry.status == .ok && retry.replayed)
            #expect(retry.text == first.text, "the first answer, not a second run's (which would have no new entities)")
            // Without the key the same body runs again: the stores saw the first run only once.
            let again = try await Self.send(client, .post, "/api/v1/records", body: records, key: nil, contentType: "application/x-ndjson")
            #expect(again.json?["new_entities"] == .integer(0))

            let other = try await Self.send(client, .post, "/api/v1/records", body: "", key: "load-1", contentType: "application/x-ndjson")
            #expect(other.status == .unprocessableContent)
            #expect(other.json?["error"]?["code"] == "idempotency_key_reused")
        }
    }

    @Test func aRetriedDocumentPostCreatesOneDocument() async throws {
        let (app, _) = try await HTTPFixtures.application()
        try await app.test(.live) { client in
            let first = try await Self.send(client, .post, "/api/v1/documents", body: Self.report, key: "doc-1")
            #expect(first.status == .created)
            let retry = try await Self.send(client, .post, "/api/v1/documents", body: Self.report, key: "doc-1")
            #expect(retry.status == .created && retry.replayed && retry.text == first.text)
            let search = try await Self.send(client, .get, "/api/v1/search?q=DPF&mode=text", body: nil, key: nil)
            guard case .array(let results)? = search.json?["results"] else { Issue.record("no results: \(search.text)"); return }
            #expect(results.count == 1)
            // The same key on another path is another request.
            let elsewhere = try await Self.send(client, .put, "/api/v1/documents/\(first.json?["id"]?.stringValue ?? "")", body: Self.report, key: "doc-1")
            #expect(elsewhere.status == .unprocessableContent)
            // A client error is an answer too: the retry gets it again.
            let bad = try await Self.send(client, .post, "/api/v1/documents", body: #"{"title": "x"}"#, key: "doc-2")
            #expect(bad.status == .badRequest && !bad.replayed)
            let badAgain = try await Self.send(client, .post, "/api/v1/documents", body: #"{"title": "x"}"#, key: "doc-2")
            #expect(badAgain.status == .badRequest && badAgain.replayed && badAgain.text == bad.text)
        }
    }

    @Test func aKeyHeldByARequestStillRunningIsRefused() async throws {
        let (app, memory) = try await HTTPFixtures.application()
        // Another process claimed the key for this very request a minute ago and has not answered yet.
        let fingerprint = IdempotencyMiddleware<BasicRequestContext>.fingerprint(
            method: "POST", uri: "/api/v1/documents", contentType: "application/json", body: Array(Self.report.utf8))
        let minuteAgo = Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000) - 60_000_000)
        let claim = try await memory.store.claimIdempotencyKey(
            "held", fingerprint: fingerprint, now: minuteAgo, staleBefore: Timestamp(microseconds: 0), expiredBefore: Timestamp(microseconds: 0))
        #expect(claim == .claimed)
        try await app.test(.live) { client in
            let refused = try await Self.send(client, .post, "/api/v1/documents", body: Self.report, key: "held")
            #expect(refused.status == .conflict)
            #expect(refused.json?["error"]?["code"] == "idempotency_key_in_use")
            let bad = try await Self.send(client, .post, "/api/v1/documents", body: Self.report, key: "with space")
            #expect(bad.status == .badRequest)
            #expect(bad.json?["error"]?["code"] == "bad_idempotency_key")
        }
    }

    @Test func concurrentRequestsWithOneKeyRunOnce() async throws {
        let (app, _) = try await HTTPFixtures.application()
        try await app.test(.live) { client in
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<6 { group.addTask { try await Self.send(client, .post, "/api/v1/documents", body: Self.report, key: "burst") } }
                var all: [Reply] = []
                for try await reply in group { all.append(reply) }
                return all
            }
            // One ran; each other one was told the key is in use or got its answer again.
            #expect(replies.filter { $0.status == .created && !$0.replayed }.count == 1, "\(replies.map(\.status))")
            #expect(replies.allSatisfy { $0.status == .created || ($0.status == .conflict && $0.json?["error"]?["code"] == "idempotency_key_in_use") })
            let search = try await Self.send(client, .get, "/api/v1/search?q=DPF&mode=text", body: nil, key: nil)
            guard case .array(let results)? = search.json?["results"] else { Issue.record("no results: \(search.text)"); return }
            #expect(results.count == 1)
        }
    }
}
