/// An instant, in microseconds since the Unix epoch (UTC).
///
/// Valid time and transaction time are both `Timestamp`s (spec section 3).
/// Integers make comparisons and indexes cheap in every store; microseconds
/// keep the precision of RFC 3339 times written with fractions (finer
/// fractions are truncated). Parsing and formatting follow RFC 3339; answers
/// always print UTC with a `Z`.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microseconds < rhs.microseconds
    }

    /// The earliest instant the store represents (0001-01-01T00:00:00Z).
    public static let distantPast = Timestamp(microseconds: CivilDate(year: 1, month: 1, day: 1).daysSinceEpoch * 86_400_000_000)
    /// The latest instant the store represents (9999-12-31T23:59:59.999999Z).
    public static let distantFuture = Timestamp(
        microseconds: (CivilDate(year: 9999, month: 12, day: 31).daysSinceEpoch + 1) * 86_400_000_000 - 1)

    public var description: String { rfc3339 }

    /// The instant as RFC 3339 in UTC: `2025-03-01T08:00:00Z`, with a fraction only when it is not zero.
    public var rfc3339: String {
        let perDay: Int64 = 86_400_000_000
        var days = microseconds / perDay
        var remainder = microseconds % perDay
        if remainder < 0 {
            remainder += perDay
            days -= 1
        }
        let date = CivilDate(daysSinceEpoch: days)
        let seconds = remainder / 1_000_000
        let fraction = remainder % 1_000_000
        let fractionDigits = fraction == 0 ? 0 : (fraction % 1000 == 0 ? 3 : 6)
        return String(unsafeUninitializedCapacity: 27) { buffer in
            var index = 0
            func put(_ value: Int64, _ width: Int) {
                var value = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    buffer[index + offset] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                index += width
            }
            func put(_ character: Unicode.Scalar) {
                buffer[index] = UInt8(ascii: character)
                index += 1
            }
            put(date.year, 4)
            put("-")
            put(date.month, 2)
            put("-")
            put(date.day, 2)
            put("T")
            put(seconds / 3600, 2)
            put(":")
            put(seconds / 60 % 60, 2)
            put(":")
            put(seconds % 60, 2)
            if fractionDigits > 0 {
                put(".")
                put(fractionDigits == 3 ? fraction / 1000 : fraction, fractionDigits)
            }
            put("Z")
            return index
        }
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Parses an RFC 3339 date-time (`T`, `t` or a space between date and time; `Z` or a numeric offset).
    ///
    /// Returns nil when `text` is not one, or names a day that does not exist.
    public static func parse(_ text: String) -> Timestamp? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, let date = CivilDate.parse(bytes[0..<10]) else { return nil }
        guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " ") else { return nil }
        guard let hour = digits(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"), let minute = digits(bytes, 14, 2),
            bytes[16] == UInt8(ascii: ":"), let second = digits(bytes, 17, 2),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var count = 0
            while index < bytes.count, let digit = digits(bytes, index, 1) {
                if count < 6 { fraction = fraction * 10 + digit }
                count += 1
                index += 1
            }
            guard count > 0 else { return nil }
            for _ in min(count, 6)..<6 { fraction *= 10 }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            guard index + 6 == bytes.count, let offsetHour = digits(bytes, index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
                let offsetMinute = digits(bytes, index + 4, 2), offsetHour < 24, offsetMinute < 60
            else { return nil }
            offsetSeconds = sign * (offsetHour * 3600 + offsetMinute * 60)
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let seconds = date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Timestamp(microseconds: seconds * 1_000_000 + fraction)
    }

    /// Parses a query time: an RFC 3339 date-time, or a bare date meaning its midnight in UTC.
    public static func parseQueryTime(_ text: String) -> Timestamp? {
        if let timestamp = parse(text) { return timestamp }
        let bytes = Array(text.utf8)
        guard bytes.count == 10, let date = CivilDate.parse(bytes[0..<10]) else { return nil }
        return Timestamp(microseconds: date.daysSinceEpoch * 86_400_000_000)
    }

    static func digits(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int64? {
        guard start + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for index in start..<(start + count) {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
