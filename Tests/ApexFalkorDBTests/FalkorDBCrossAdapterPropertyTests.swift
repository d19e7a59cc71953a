import ApexCore
import ApexEngine
import ApexSQLite
import ApexTesting
import Foundation
import PropertyBased
import Testing

// No shrinking: each case makes databases on real servers, and a failure shrunk without bound once held the test
// command for half an hour. A failure prints the seed to reproduce it with `.fixedSeed(...)`.
/// The same random record set gives identical `state` and `timeline` answers on SQLite alone and with the graph on FalkorDB.
@Suite(.shrinking(false)) struct FalkorDBCrossAdapterPropertyTests {
    @Test(arguments: FalkorDBConformanceTests.Records.allCases)
    func compositionsAnswerAsTheEmbeddedStore(_ records: FalkorDBConformanceTests.Records) async throws {
        try await OpenedStores.using { opened in
            await propertyCheck(
                count: 25, input: Gen.uint64(in: 0...UInt64.max).array(of: 1...40), Gen.uint64(in: 0...UInt64.max).array(of: 20...20)
            ) { seeds, queries in
                do {
                    let lines = seeds.map { Self.withoutRecordedAt(RandomRecords.line($0), $0) }
                    let embedded = MemoryService(store: try await SQLiteStore.open(directory: try SpecFixtures.temporaryDirectory()), clock: { SpecFixtures.now })
                    let composed = try await FalkorDBConformanceTests.memory(records, opened: opened)
                    // Two files, so that the second ingest meets stored rows.
                    let split = lines.count / 2
                    for part in [Array(lines[..<split]), Array(lines[split...])] where !part.isEmpty {
                        try await embedded.ingest(lines: part)
                        try await composed.ingest(lines: part)
                    }
                    let expected = await RandomRecords.answers(embedded, queries: queries)
                    let actual = await RandomRecords.answers(composed, queries: queries)
                    #expect(actual == expected)
                    await opened.shutdownAll()
                } catch {
                    Issue.record("ingest failed: \(error)")
                }
            }
        }
    }

    /// Some records lose their `recorded_at`, so that the ingestion-time path (and its "unchanged adds nothing" rule) is compared too.
    static func withoutRecordedAt(_ line: String, _ seed: UInt64) -> String {
        guard seed % 4 == 0, let range = line.range(of: #","recorded_at":"[^"]*""#, options: .regularExpression) else { return line }
        var stripped = line
        stripped.removeSubrange(range)
        return stripped
    }
}
