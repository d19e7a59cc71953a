import ApexCore
import ApexEngine
@testable import ApexHTTP
import ApexSQLite
import ApexTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// State answers kept by the route and handed out again on the event loop (`AnswerMemo`, `ProbeLane`): the same
/// answer as the route's, and never one a commit of any writer has made old.
@Suite(.serialized) struct AnswerMemoTests {
    static let tractor = "/api/v1/entities/Tractor/6520/state?at=2025-04-02T00:00:00Z"

    @Test func keptAnswersAreHandedOutUntilAnotherWriterCommits() async throws {
        let directory = try SpecFixtures.temporaryDirectory()
        let (app, memory) = try await HTTPFixtures.application(directory: directory)
        _ = try await memory.ingest(file: HTTPFixtures.exampleRecords, ontologySource: try String(contentsOfFile: HTTPFixtures.exampleOntology, encoding: .utf8))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let first = try await client.call(.get, Self.tractor)
            #expect(first.status == .ok)
            #expect(Self.drivers(first) == ["D-22"])
            let handedBefore = try await Self.keptAnswers(client)
            // Pipelined on one connection: the lane answers the first two; the ontology goes to the router, and the
            // last waits for it (answers keep their requests' order), so the router answers that one too.
            let request = "GET \(Self.tractor) HTTP/1.1\r\nHost: apex\r\n\r\n"
            let ontology = "GET /api/v1/ontology HTTP/1.1\r\nHost: apex\r\n\r\n"
            let answers = try await RawHTTP.exchange(port: port, requests: request + request + ontology + request, answers: 4)
            #expect(answers.map(\.status) == [200, 200, 200, 200])
            #expect(answers[2].body.hasPrefix(#"{"name":"logistics""#))
            for answer in [answers[0], answers[1], answers[3]] {
                #expect(answer.headers["content-type"] == "application/json; charset=utf-8")
                // The same answer as the route's but for known_at, which is each request's time ("as known now").
                #expect(Self.withoutKnownAt(answer.body) == Self.withoutKnownAt(first.text))
                let knownAt = try #require(Self.knownAt(answer.body))
                #expect(knownAt > (try #require(Self.knownAt(first.text))))
            }
            #expect(try await Self.keptAnswers(client) >= handedBefore + 2)
            // Counted under the route's own name, as the router counts it.
            let metrics = try await client.call(.get, "/metrics").text
            let routes = Set(metrics.split(separator: "\n").filter { $0.hasPrefix("hb_requests{") && $0.contains("/state") && !$0.contains("{entity}/state") }.compactMap { line in
                line.split(separator: ",").first { $0.contains("http_route=") }.map(String.init)
            })
            #expect(routes.count == 1)
            #expect(routes.first?.contains(ProbeLane.stateRoute) == true)

            // Another writer (its own connection to the file, as another process has) moves D-22 to 6521: under
            // one_to_one that ends 6520's assignment, though the write names 6520 nowhere.
            let other = MemoryService(store: try await SQLiteStore.open(directory: directory))
            let move = #"{"kind":"fact","type":"ASSIGNED_TO","from":{"type":"Driver","key":"D-22"},"to":{"type":"Tractor","key":"6521"},"valid_at":"2025-04-01T12:00:00Z","recorded_at":"2025-12-01T00:00:00Z","source":"test"}"#
            _ = try await other.ingest(body: Array((move + "\n").utf8), format: .jsonLines)
            let after = try await client.call(.get, Self.tractor)
            #expect(after.status == .ok)
            #expect(Self.drivers(after) == [])
            // Known before the write, the answer is the old one: an explicit known_at is kept whole.
            let before = Self.tractor + "&known_at=2025-11-01T00:00:00Z"
            let old = try await client.call(.get, before)
            let again = try await RawHTTP.exchange(port: port, requests: "GET \(before) HTTP/1.1\r\nHost: apex\r\n\r\n", answers: 1)
            #expect(Self.drivers(old) == ["D-22"])
            #expect(again.first?.body == old.text)
        }
    }

    @Test func answersWithoutAtAreNotKept() async throws {
        let (app, _) = try await HTTPFixtures.exampleApplication()
        try await app.test(.live) { client in
            let path = "/api/v1/entities/Tractor/6520/state"
            _ = try await client.call(.get, path)
            let handed = try await Self.keptAnswers(client)
            let second = try await client.call(.get, path)
            #expect(second.status == .ok)
            #expect(try await Self.keptAnswers(client) == handed)
        }
    }

    @Test func aServerThatFollowsMovesHandsOutKeptAnswersOnlyWhileNoMoveIsUnderWay() async throws {
        let directory = try SpecFixtures.temporaryDirectory()
        let store = try await SQLiteStore.open(directory: directory)
        let target = try SpecFixtures.temporaryDirectory()
        let route = MoveRoute(source: store, openTarget: { _ in try await SQLiteStore.open(directory: target) }, log: { _ in })
        #expect(try MovingStore(route: route).contentVersion() == nil)  // the state not read yet
        try await route.refresh()
        let memory = MemoryService(store: MovingStore(route: route))
        _ = try await memory.ingest(file: HTTPFixtures.exampleRecords, ontologySource: try String(contentsOfFile: HTTPFixtures.exampleOntology, encoding: .utf8))
        let version = try #require(memory.contentVersion())
        // A move started by another process moves the source's version; once this process has read it, none is told.
        _ = try await MovePhases(store: try await SQLiteStore.open(directory: directory)).start(to: MoveTarget(data: target, databaseURL: nil, graphURL: nil))
        #expect(memory.contentVersion() != version)
        try await route.refresh()
        #expect(memory.contentVersion() == nil)
    }

    @Test func splitFindsTheTopLevelKnownAtOnly() throws {
        let knownAt = try #require(Timestamp.parse("2026-12-07T10:00:00Z"))
        // A key that spells a known_at member is escaped inside its string and cannot match.
        let answer: JSONValue = .object([
            ("entity", .object([("type", "T"), ("key", .string(#""known_at":"2026-12-07T10:00:00Z""#))])),
            ("at", "2025-01-01T00:00:00Z"), ("known_at", .string(knownAt.rfc3339)), ("properties", .object([])),
        ])
        let body = JSONWriter.bytes(answer)
        let (head, tail) = try #require(AnswerMemo.split(body, around: knownAt))
        #expect(head + Array(knownAt.rfc3339.utf8) + tail == body)
        #expect(String(decoding: tail, as: UTF8.self) == #"","properties":{}}"#)
        let memo = AnswerMemo()
        memo.keep(body, for: "/x", version: 7, splittingAround: knownAt)
        let later = try #require(Timestamp.parse("2026-12-08T00:00:00Z"))
        let kept = try #require(memo.body(for: "/x", currentVersion: { 7 }, knownAt: later))
        #expect(String(decoding: kept, as: UTF8.self).contains(#""known_at":"2026-12-08T00:00:00Z""#))
        #expect(memo.body(for: "/x", currentVersion: { 8 }, knownAt: later) == nil)
        // A moved version drops the entry: the old version no longer finds it either.
        #expect(memo.body(for: "/x", currentVersion: { 7 }, knownAt: later) == nil)
    }

    static func drivers(_ answer: Answer) -> [String] { drivers(answer.text) }

    static func drivers(_ text: String) -> [String] {
        guard case .array(let relations)? = (try? JSONParser.parse(text))?["relations"] else { return [] }
        return relations.compactMap { relation in
            relation["type"]?.stringValue == "ASSIGNED_TO" ? relation["entity"]?["key"]?.stringValue : nil
        }
    }

    static func knownAt(_ text: String) -> Timestamp? {
        (try? JSONParser.parse(text))?["known_at"]?.stringValue.flatMap(Timestamp.parse)
    }

    static func withoutKnownAt(_ text: String) -> String {
        guard case .object(let members)? = try? JSONParser.parse(text) else { return text }
        return String(decoding: JSONWriter.bytes(.object(members.filter { $0.0 != "known_at" })), as: UTF8.self)
    }

    static func keptAnswers(_ client: some TestClientProtocol) async throws -> Int {
        let metrics = try await client.call(.get, "/metrics").text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("apex_http_kept_answers_total ") }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) } ?? 0
    }
}
