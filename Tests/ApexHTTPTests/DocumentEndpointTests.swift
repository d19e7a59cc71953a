import ApexCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Documents and search over real HTTP.
@Suite struct DocumentEndpointTests {
    static let report = #"{"title": "Shop report", "content": "Unit 6520 went into the Dallas shop on March 1 with a failed DPF filter. Linda Park picked it up on March 12.", "metadata": {"kind": "maintenance"}, "source": "shop", "reference_time": "2025-03-12T16:00:00Z"}"#

    @Test func addReadSearchReplaceAndDelete() async throws {
        let (app, _) = try await HTTPFixtures.exampleApplication()
        try await app.test(.live) { client in
            let created = try await client.call(.post, "/api/v1/documents", body: Self.report, contentType: "application/json")
            #expect(created.status == .created)
            let id = try #require(created.json?["id"]?.stringValue)
            #expect(created.json?["chunks"] == 1)
            let read = try await client.call(.get, "/api/v1/documents/\(id)")
            #expect(read.json?["title"] == "Shop report")
            #expect(read.json?["reference_time"] == "2025-03-12T16:00:00Z")
            let search = try await client.call(.get, "/api/v1/search?q=DPF%20filter&mode=hybrid&filter.kind=maintenance")
            #expect(search.status == .ok)
            guard case .array(let results)? = search.json?["results"] else { Issue.record("no results"); return }
            #expect(results.first?["document_id"] == .string(id))
            #expect(results.first?["ranks"]?["text"] == 1)
            guard case .array(let entities)? = search.json?["entities"] else { Issue.record("no entities"); return }
            #expect(entities.contains { $0["type"] == "Tractor" && $0["key"] == "6520" })
            #expect(entities.contains { $0["type"] == "Driver" && $0["key"] == "D-22" })
            let filtered = try await client.call(.get, "/api/v1/search?q=DPF&filter.kind=billing")
            #expect(filtered.json?["results"] == [])
            let history = try await client.call(.get, "/api/v1/entities/Tractor/6520/history")
            guard case .array(let documents)? = history.json?["documents"] else { Issue.record("no documents in the history"); return }
            #expect(documents.contains { $0["id"] == .string(id) })
            let replaced = try await client.call(
                .put, "/api/v1/documents/\(id)", body: #"{"title": "Shop report", "content": "Unit 6520: turbo hose replaced."}"#,
                contentType: "application/json")
            #expect(replaced.status == .ok)
            let old = try await client.call(.get, "/api/v1/search?q=DPF&mode=text")
            #expect(old.json?["results"] == [])
            #expect(try await client.call(.delete, "/api/v1/documents/\(id)").status == .ok)
            #expect(try await client.call(.get, "/api/v1/documents/\(id)").status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/documents/\(id)").status == .notFound)
        }
    }

    @Test func badDocumentsAndSearchesAreRefused() async throws {
        let (app, _) = try await HTTPFixtures.application()
        try await app.test(.live) { client in
            let calls: [(HTTPRequest.Method, String, String?, String?, HTTPResponse.Status)] = [
                (.post, "/api/v1/documents", #"{"title": "x"}"#, "application/json", .badRequest),
                (.post, "/api/v1/documents", "{", "application/json", .badRequest),
                (.post, "/api/v1/documents", "x", "text/html", .unsupportedMediaType),
                (.get, "/api/v1/search", nil, nil, .badRequest),
                (.get, "/api/v1/search?q=x&mode=magic", nil, nil, .badRequest),
                (.get, "/api/v1/search?q=x&filter.bad%20field=1", nil, nil, .badRequest),
                (.get, "/api/v1/documents/not-a-uuid", nil, nil, .badRequest),
            ]
            for (method, uri, body, type, expected) in calls {
                let answer = try await client.call(method, uri, body: body, contentType: type)
                #expect(answer.status == expected, "\(method) \(uri)")
                #expect(answer.errorCode != nil)
            }
        }
    }
}
