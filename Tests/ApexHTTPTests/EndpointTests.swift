import ApexCore
import ApexTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Every endpoint over real HTTP (Hummingbird's live test server on a free port).
@Suite struct EndpointTests {
    @Test func stateTimelineAndHistoryByTypeAndKey() async throws {
        let (app, _) = try await HTTPFixtures.exampleApplication()
        try await app.test(.live) { client in
            let state = try await client.call(.get, "/api/v1/entities/Tractor/6520/state?at=2025-03-02T00:00:00Z&known_at=2025-03-02T00:00:00Z")
            #expect(state.status == .ok)
            #expect(state.contentType?.hasPrefix("application/json") == true)
            #expect(state.json?["properties"]?["current_miles"] == 441_200)
            #expect(state.json?["known_at"] == "2025-03-02T00:00:00Z")
            let timeline = try await client.call(.get, "/api/v1/entities/Tractor/6520/timeline?property=status&from=2025-03-05&to=2025-03-10")
            #expect(timeline.status == .ok)
            guard case .array(let events)? = timeline.json?["events"] else { Issue.record("no events"); return }
            #expect(events.map { $0["value"] } == ["in_repair"])
            let history = try await client.call(.get, "/api/v1/entities/Driver/D-17/history")
            #expect(history.status == .ok)
            guard case .array(let items)? = history.json?["events"] else { Issue.record("no history"); return }
            #expect(items.contains { $0["ended_by"] == "superseded" })
        }
    }

    @Test func entityByIDStateAndHistory() async throws {
        let (app, _) = try await HTTPFixtures.exampleApplication()
        try await app.test(.live) { client in
            let byKey = try await client.call(.get, "/api/v1/entities/Tractor/6520/state")
            let id = try #require(byKey.json?["entity"]?["id"]?.stringValue)
            let current = try await client.call(.get, "/api/v1/entities/\(id)")
            #expect(current.status == .ok)
            #expect(current.json?["properties"]?["status"] == "active")
            let then = try await client.call(.get, "/api/v1/entities/\(id)/state?timestamp=2025-03-02T00:00:00Z")
            #expect(then.json?["properties"]?["status"] == "in_repair")
            let history = try await client.call(.get, "/api/v1/entities/\(id)/history")
            #expect(history.status == .ok)
            #expect(history.json?["entity"]?["id"] == .string(id))
            let unknown = try await client.call(.get, "/api/v1/entities/01a2061d-eb97-7140-9d5b-000000000000")
            #expect(unknown.status == .notFound)
            let malformed = try await client.call(.get, "/api/v1/entities/not-a-uuid")
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorCode == "bad_id")
        }
    }

    @Test func temporalSearchAndNamedTimeline() async throws {
        let (app, _) = try await HTTPFixtures.exampleApplication()
        try await app.test(.live) { client in
            let search = try await client.call(.get, "/api/v1/temporal/entities/at-time?query=ROBERT&reference_time=2025-03-01T00:00:00Z&limit=5")
            #expect(search.status == .ok)
            guard case .array(let results)? = search.json?["results"] else { Issue.record("no results"); return }
            #expect(results.contains { $0["entity"]?["key"] == "D-17" })
            // Before the drivers were hired into the memory, nothing matches.
            let early = try await client.call(.get, "/api/v1/temporal/entities/at-time?query=robert&reference_time=2024-01-01T00:00:00Z")
            #expect(early.json?["results"] == [])
            let missing = try await client.call(.get, "/api/v1/temporal/entities/at-time")
            #expect(missing.status == .badRequest)
            let badLimit = try await client.call(.get, "/api/v1/temporal/entities/at-time?query=x&limit=0")
            #expect(badLimit.status == .badRequest)
            let named = try await client.call(.get, "/api/v1/temporal/entities/Linda%20Park/timeline?start_date=2025-01-01&end_date=2025-03-01")
            #expect(named.status == .ok)
            #expect(named.json?["entity"]?["key"] == "D-22")
            guard case .array(let changes)? = named.json?["changes"] else { Issue.record("no changes"); return }
            #expect(!changes.isEmpty)
            let ambiguous = try await client.call(.get, "/api/v1/temporal/entities/6520/timeline")
            #expect(ambiguous.status == .conflict)
            let chosen = try await client.call(.get, "/api/v1/temporal/entities/6520/timeline?type=Tractor")
            #expect(chosen.json?["entity"]?["type"] == "Tractor")
            let nobody = try await client.call(.get, "/api/v1/temporal/entities/Nobody/timeline")
            #expect(nobody.status == .notFound)
        }
    }

    @Test func analytics() async throws {
        let (app, _) = try await HTTPFixtures.exampleApplication()
        try await app.test(.live) { client in
            let ranked = try await client.call(.get, "/api/v1/analytics/most-changed?from=2025-01-01&to=2025-06-01&limit=2")
            #expect(ranked.status == .ok)
            guard case .array(let entities)? = ranked.json?["entities"] else { Issue.record("no ranking"); return }
            #expect(entities.count == 2)
            #expect(entities.first?["entity"]?["type"] == "Tractor")
            let churn = try await client.call(.get, "/api/v1/analytics/relationship-churn?from=2025-03-01&to=2025-05-01")
            #expect(churn.status == .ok)
            guard case .array(let types)? = churn.json?["relation_types"] else { Issue.record("no churn"); return }
            let assigned = types.first { $0["type"] == "ASSIGNED_TO" }
            #expect(assigned?["started"] == 4)
            #expect(assigned?["ended"] == 1)
            let backwards = try await client.call(.get, "/api/v1/analytics/most-changed?from=2025-06-01&to=2025-01-01")
            #expect(backwards.status == .badRequest)
        }
    }

    @Test func ontologyRecordsHealthMetricsAndOpenAPI() async throws {
        let (app, _) = try await HTTPFixtures.application()
        try await app.test(.live) { client in
            #expect(try await client.call(.get, "/api/v1/ontology").status == .notFound)
            let noOntology = try await client.call(.post, "/api/v1/records", body: "", contentType: "application/x-ndjson")
            #expect(noOntology.status == .conflict)
            let put = try await client.call(.put, "/api/v1/ontology", body: SpecFixtures.ontology, contentType: "application/yaml")
            #expect(put.status == .ok)
            #expect(put.json?["name"] == "spec")
            let get = try await client.call(.get, "/api/v1/ontology")
            #expect(get.json?["relation_types"]?["ASSIGNED_TO"]?["cardinality"] == "one_to_one")
            let lines = [
                SpecFixtures.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#, recordedAt: "2025-01-10T00:00:00Z"),
                SpecFixtures.fact("ASSIGNED_TO", from: ("Driver", "D-17"), to: ("Tractor", "6520"), validAt: "2025-02-01T00:00:00Z"),
            ]
            let posted = try await client.call(.post, "/api/v1/records", body: lines.joined(separator: "\n"), contentType: "application/x-ndjson")
            #expect(posted.status == .ok)
            #expect(posted.json?["accepted"] == 2)
            let array = "[" + [SpecFixtures.state("6521", "2025-01-10T00:00:00Z", set: #"{"status":"retired"}"#)].joined(separator: ",") + "]"
            let postedArray = try await client.call(.post, "/api/v1/records", body: array, contentType: "application/json")
            #expect(postedArray.json?["accepted"] == 1)
            let untyped = try await client.call(.post, "/api/v1/records", body: " " + array)
            #expect(untyped.json?["accepted"] == 1)
            let untypedLines = try await client.call(.post, "/api/v1/records", body: lines[0])
            #expect(untypedLines.json?["accepted"] == 1)
            let state = try await client.call(.get, "/api/v1/entities/Tractor/6520/state?at=2025-03-01")
            #expect(state.json?["relations"]?.stringValue == nil)
            guard case .array(let relations)? = state.json?["relations"] else { Issue.record("no relations"); return }
            #expect(relations.count == 1)
            let health = try await client.call(.get, "/health")
            #expect(health.status == .ok)
            #expect(health.json?["stores"]?["records"]?["status"] == "ok")
            let metrics = try await client.call(.get, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("apex_records_ingested_total"))
            #expect(metrics.text.contains("http_server_request_duration"))
            let openapi = try await client.call(.get, "/openapi.yaml")
            #expect(openapi.status == .ok)
            #expect(openapi.text.hasPrefix("openapi: 3.1.0"))
        }
    }
}
