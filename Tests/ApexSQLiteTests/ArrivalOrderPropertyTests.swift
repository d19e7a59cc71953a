import ApexCore
import ApexEngine
import ApexSQLite
import ApexTesting
import PropertyBased
import Testing

/// Random record sets ingested in two orders give identical answers to random queries (spec section 3).
@Suite struct ArrivalOrderPropertyTests {
    @Test func twoArrivalOrdersGiveIdenticalAnswers() async throws {
        await propertyCheck(
            count: 60, input: Gen.uint64(in: 0...UInt64.max).array(of: 1...30), Gen.uint64(in: 0...UInt64.max).array(of: 20...20),
            Gen.uint64(in: 0...UInt64.max)
        ) { seeds, queries, shuffleSeed in
            do {
                let lines = seeds.map(RandomRecords.line)
                var random = SplitMix64(seed: shuffleSeed)
                let shuffled = lines.shuffled(using: &random)
                let first = try await SQLiteConformanceTests.factory()
                try await first.ingest(lines: lines)
                let second = try await SQLiteConformanceTests.factory()
                // The second memory gets the records in another order, in two files.
                let split = shuffled.count / 2
                try await second.ingest(lines: Array(shuffled[..<split]) + [])
                if split < shuffled.count { try await second.ingest(lines: Array(shuffled[split...])) }
                let expected = await RandomRecords.answers(first, queries: queries)
                let actual = await RandomRecords.answers(second, queries: queries)
                #expect(actual == expected)
            } catch {
                Issue.record("ingest failed: \(error)")
            }
        }
    }
}

