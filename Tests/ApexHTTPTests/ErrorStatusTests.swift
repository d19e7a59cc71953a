import ApexCore
import ApexTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Bad input over HTTP: the right status, a JSON error naming the problem, and nothing partly written.
@Suite struct ErrorStatusTests {
    @Test func badRecordsAreRefusedWholeWithTheirLine() async throws {
        let (app, _) = try await HTTPFixtures.exampleApplication()
        try await app.test(.live) { client in
            let lines = [
                SpecFixtures.state("9001", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#),
                #"{"kind":"state","entity":{"type":"Tractor","key":"9001"},"valid_at":"2025-01-11T00:00:00Z","set":{"current_miles":"far"}}"#,
            ]
            let wrongType = try await client.call(.post, "/api/v1/records", body: lines.joined(separator: "\n"), contentType: "application/x-ndjson")
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.errorCode == "wrong_value_type")
            #expect(wrongType.json?["error"]?["line"] == 2)
            #expect(try await client.call(.get, "/api/v1/entities/Tractor/9001/state").status == .notFound)
            let malformed = try await client.call(.post, "/api/v1/records", body: "{\"kind\":", contentType: "application/x-ndjson")
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorCode == "bad_json")
            #expect(malformed.json?["error"]?["line"] == 1)
            let notArray = try await client.call(.post, "/api/v1/records", body: "{}", contentType: "application/json")
            #expect(notArray.status == .badRequest)
            let unknownType = try await client.call(
                .post, "/api/v1/records", body: SpecFixtures.state("1", "2025-01-10T00:00:00Z", set: #"{"a":1}"#, type: "Spaceship"),
                contentType: "application/x-ndjson")
            #expect(unknownType.errorCode == "unknown_entity_type")
            let unknownProperty = try await client.call(
                .post, "/api/v1/records", body: SpecFixtures.state("6520", "2025-01-10T00:00:00Z", set: #"{"colour":"red"}"#),
                contentType: "application/x-ndjson")
            #expect(unknownProperty.errorCode == "unknown_property")
        }
    }

    @Test func queriesAnswer400And404() async throws {
        let (app, _) = try await HTTPFixtures.exampleApplication()
        try await app.test(.live) { client in
            let badTime = try await client.call(.get, "/api/v1/entities/Tractor/6520/state?at=yesterday")
            #expect(badTime.status == .badRequest)
            #expect(badTime.errorCode == "bad_timestamp")
            let unknownType = try await client.call(.get, "/api/v1/entities/Spaceship/1/state")
            #expect(unknownType.status == .badRequest)
            let unknownProperty = try await client.call(.get, "/api/v1/entities/Tractor/6520/timeline?property=colour")
            #expect(unknownProperty.status == .badRequest)
            let missingProperty = try await client.call(.get, "/api/v1/entities/Tractor/6520/timeline")
            #expect(missingProperty.status == .badRequest)
            let unknownEntity = try await client.call(.get, "/api/v1/entities/Tractor/9999/state")
            #expect(unknownEntity.status == .notFound)
            #expect(unknownEntity.errorCode == "unknown_entity")
            let tooEarly = try await client.call(.get, "/api/v1/entities/Tractor/6520/state?at=2024-01-01")
            #expect(tooEarly.status == .notFound)
            #expect(tooEarly.errorCode == "not_yet_existing")
            let route = try await client.call(.get, "/api/v2/nothing")
            #expect(route.status == .notFound)
            #expect(route.errorCode == "not_found")
            let slash = try await client.call(.get, "/api/v1/entities/Trailer/T%2F311/state")
            #expect(slash.status == .notFound)
            #expect(slash.json?["error"]?["message"]?.stringValue?.contains("Trailer/T/311") == true)
        }
    }

    @Test func wrongContentTypeIs415AndOversizedBodyIs413() async throws {
        let (app, _) = try await HTTPFixtures.application(maximumBodySize: 1024)
        try await app.test(.live) { client in
            let form = try await client.call(.put, "/api/v1/ontology", body: "name=x", contentType: "application/x-www-form-urlencoded")
            #expect(form.status == .unsupportedMediaType)
            #expect(form.errorCode == "unsupported_media_type")
            let xml = try await client.call(.post, "/api/v1/records", body: "<records/>", contentType: "application/xml")
            #expect(xml.status == .unsupportedMediaType)
            // No content type at all: the body is read as what it looks like (here, not YAML an ontology can be).
            let none = try await client.call(.put, "/api/v1/ontology", body: "name: x")
            #expect(none.status == .badRequest)
            let big = try await client.call(.put, "/api/v1/ontology", body: String(repeating: "#", count: 4096), contentType: "application/yaml")
            #expect(big.status == .contentTooLarge)
            #expect(big.errorCode == "body_too_large")
        }
    }

    @Test func ontologiesThatDoNotFitAreRefused() async throws {
        let (app, _) = try await HTTPFixtures.application()
        try await app.test(.live) { client in
            let bad = try await client.call(.put, "/api/v1/ontology", body: "name: x\nversion: 1\nentity_types: {}", contentType: "application/yaml")
            #expect(bad.status == .badRequest)
            #expect(bad.errorCode == "bad_ontology")
            #expect(try await client.call(.put, "/api/v1/ontology", body: SpecFixtures.ontology, contentType: "application/yaml").status == .ok)
            let record = SpecFixtures.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"in_repair"}"#)
            #expect(try await client.call(.post, "/api/v1/records", body: record, contentType: "application/x-ndjson").status == .ok)
            let narrowed = SpecFixtures.ontology.replacingOccurrences(of: "enum: [active, in_repair, retired]", with: "enum: [active]")
            let refused = try await client.call(.put, "/api/v1/ontology", body: narrowed, contentType: "application/yaml")
            #expect(refused.status == .conflict)
            #expect(refused.errorCode == "incompatible_ontology")
            #expect(refused.json?["error"]?["message"]?.stringValue?.contains("status") == true)
            let json = #"{"name":"spec2","version":2,"entity_types":{"Tractor":{"key":"unit_number","properties":{"unit_number":{"type":"string"},"status":{"type":"string"}}}}}"#
            let asJSON = try await client.call(.put, "/api/v1/ontology", body: json, contentType: "application/json")
            #expect(asJSON.status == .ok)
            #expect(asJSON.json?["name"] == "spec2")
        }
    }
}
