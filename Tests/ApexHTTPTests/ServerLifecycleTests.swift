import ApexCore
import ApexEngine
import ApexTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ServerLifecycleTests {
    /// What was posted before a restart answers identically after it.
    @Test func answersSurviveARestart() async throws {
        let directory = try SpecFixtures.temporaryDirectory()
        let queries = [
            "/api/v1/entities/Tractor/6520/state?at=2025-03-02T00:00:00Z&known_at=2025-06-01T00:00:00Z",
            "/api/v1/entities/Tractor/6520/timeline?property=current_miles&known_at=2025-06-01T00:00:00Z",
            "/api/v1/entities/Driver/D-17/history?known_at=2025-06-01T00:00:00Z",
            "/api/v1/ontology",
        ]
        let (first, _) = try await HTTPFixtures.application(directory: directory)
        let before: [String] = try await first.test(.live) { client in
            let ontology = try String(contentsOfFile: HTTPFixtures.exampleOntology, encoding: .utf8)
            #expect(try await client.call(.put, "/api/v1/ontology", body: ontology, contentType: "application/yaml").status == .ok)
            let records = try String(contentsOfFile: HTTPFixtures.exampleRecords, encoding: .utf8)
            #expect(try await client.call(.post, "/api/v1/records", body: records, contentType: "application/x-ndjson").status == .ok)
            var answers: [String] = []
            for query in queries { answers.append(try await client.call(.get, query).text) }
            return answers
        }
        let (second, _) = try await HTTPFixtures.application(directory: directory)
        let after: [String] = try await second.test(.live) { client in
            var answers: [String] = []
            for query in queries { answers.append(try await client.call(.get, query).text) }
            return answers
        }
        #expect(before == after)
        #expect(before.allSatisfy { !$0.contains("\"error\"") })
    }

    /// Reads are answered while a large ingest holds the write lock (WAL: readers never wait for the writer).
    @Test func readsAreNotQueuedBehindAnIngest() async throws {
        let (app, memory) = try await HTTPFixtures.exampleApplication()
        let lines = (0..<150_000).map { index in
            SpecFixtures.state("B\(index % 500)", "2025-02-01T00:00:00Z", set: #"{"current_miles":\#(index)}"#, recordedAt: "2025-02-02T00:00:00Z")
        }
        let path = try SpecFixtures.writeTemporaryFile(lines)
        try await app.test(.live) { client in
            let ingest = Task { () -> ContinuousClock.Instant in
                _ = try await memory.ingest(file: path, ontologySource: nil)
                return ContinuousClock.now
            }
            try await Task.sleep(for: .milliseconds(100))
            var lastRead = ContinuousClock.now
            for _ in 0..<20 {
                let answer = try await client.call(.get, "/api/v1/entities/Tractor/6520/state?at=2025-03-02")
                #expect(answer.status == .ok)
                lastRead = ContinuousClock.now
            }
            let ingestEnded = try await ingest.value
            // All twenty reads were answered before the ingest committed.
            #expect(lastRead < ingestEnded)
        }
    }
}
