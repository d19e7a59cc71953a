import ApexCore
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2025-03-01T08:00:00Z", "2025-03-01T08:00:00Z"),
        ("2025-03-01T10:00:00+02:00", "2025-03-01T08:00:00Z"),
        ("2025-03-01t08:00:00z", "2025-03-01T08:00:00Z"),
        ("2025-03-01 08:00:00-00:30", "2025-03-01T08:30:00Z"),
        ("2025-03-01T08:00:00.5Z", "2025-03-01T08:00:00.500Z"),
        ("2025-03-01T08:00:00.123456789Z", "2025-03-01T08:00:00.123456Z"),
        ("2024-02-29T23:59:59Z", "2024-02-29T23:59:59Z"),
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
    ])
    func parsesRFC3339AndPrintsUTC(_ input: String, _ output: String) throws {
        let time = try #require(Timestamp.parse(input))
        #expect(time.rfc3339 == output)
        #expect(Timestamp.parse(time.rfc3339) == time)
    }

    @Test(arguments: [
        "2025-03-01", "2025-03-01T08:00:00", "2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-03-01T24:00:00Z", "2025-03-01T08:60:00Z",
        "2025-03-01T08:00:00+2:00", "2025-03-01T08:00:00.Z", "not a time", "2025-03-01T08:00:00Zjunk", "0000-01-01T00:00:00Z",
    ])
    func rejectsWhatIsNotRFC3339(_ input: String) {
        #expect(Timestamp.parse(input) == nil)
    }

    @Test func queryTimesAcceptABareDateAsMidnightUTC() {
        #expect(Timestamp.parseQueryTime("2025-03-02") == Timestamp.parse("2025-03-02T00:00:00Z"))
        #expect(Timestamp.parseQueryTime("2025-03-32") == nil)
    }

    @Test func civilDatesRoundTripOverCenturies() {
        let failures = stride(from: -719_162 as Int64, through: 2_932_896, by: 997).filter { days in
            let date = CivilDate(daysSinceEpoch: days)
            return date.daysSinceEpoch != days || CivilDate.parse(date.iso8601) != date
        }
        #expect(failures.isEmpty)
    }
}

@Suite struct UUIDv7Tests {
    @Test func idsCarryVersionVariantAndTime() throws {
        let generator = UUIDv7Generator()
        let id = generator.next(unixMilliseconds: 1_740_000_000_000)
        #expect(id.version == 7)
        #expect(id.low >> 62 == 0b10)
        #expect(id.unixMilliseconds == 1_740_000_000_000)
        let text = id.description
        #expect(text.count == 36 && text == text.lowercased())
        #expect(EntityID(text) == id)
        #expect(EntityID(bytes: id.bytes) == id)
        #expect(EntityID("not-a-uuid") == nil)
    }

    @Test func idsStrictlyIncreaseEvenWithinOneMillisecondAndWhenTheClockStepsBack() {
        let generator = UUIDv7Generator()
        var previous = generator.next(unixMilliseconds: 1_000)
        var increasing = true
        for step in 0..<20_000 {
            let now: UInt64 = step == 10_000 ? 500 : 1_000 + UInt64(step / 5_000)
            let next = generator.next(unixMilliseconds: now)
            increasing = increasing && next > previous && next.version == 7
            previous = next
        }
        #expect(increasing)
    }
}
