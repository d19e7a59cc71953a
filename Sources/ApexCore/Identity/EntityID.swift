/// The permanent id of an entity: a UUIDv7 assigned once, at the first record that names it.
///
/// The same id is used in every store (DESIGN.md, "Identity and time"). It is
/// kept as its 16 bytes; the text form is the lowercase 8-4-4-4-12 hex string.
public struct EntityID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The id whose 16 bytes (big-endian) are `bytes`; nil unless there are exactly 16.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        let loaded = bytes.withContiguousStorageIfAvailable { buffer in EntityID(raw: UnsafeRawBufferPointer(buffer)) }
        if let loaded {
            guard let loaded else { return nil }
            self = loaded
            return
        }
        self.init(raw: UnsafeRawBufferPointer(start: nil, count: 0), fallback: Array(bytes))
    }

    /// The id whose 16 bytes (big-endian) start `raw`; nil unless there are exactly 16.
    public init?(raw: UnsafeRawBufferPointer) {
        guard raw.count == 16 else { return nil }
        self.init(
            high: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
            low: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
    }

    private init?(raw: UnsafeRawBufferPointer, fallback: [UInt8]) {
        guard let id = fallback.withUnsafeBytes({ EntityID(raw: $0) }) else { return nil }
        self = id
    }

    /// Parses the 36-character hex form (either case); nil if malformed.
    public init?(_ text: String) {
        var text = text
        guard let id = text.withUTF8({ EntityID(utf8: $0) }) else { return nil }
        self = id
    }

    /// Parses the 36-character hex form (either case) from its UTF-8 bytes, as readers of raw replies hold it; nil if malformed.
    public init?(utf8: UnsafeBufferPointer<UInt8>) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var count = 0
        var digits = 0
        for byte in utf8 {
            defer { count += 1 }
            if count == 8 || count == 13 || count == 18 || count == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            if digits < 16 { high = high << 4 | UInt64(nibble) } else if digits < 32 { low = low << 4 | UInt64(nibble) }
            digits += 1
        }
        guard count == 36, digits == 32 else { return nil }
        self.init(high: high, low: low)
    }

    /// The 16 bytes, big-endian.
    public var bytes: [UInt8] {
        (0..<16).map { index in
            index < 8 ? UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index))) : UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index - 8)))
        }
    }

    /// The UUID version (7 for ids this project makes).
    public var version: Int { Int((high >> 12) & 0xF) }

    /// The Unix time in milliseconds a UUIDv7 carries in its first 48 bits.
    public var unixMilliseconds: UInt64 { high >> 16 }

    public var description: String {
        let digits: StaticString = "0123456789abcdef"
        let high = self.high
        let low = self.low
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                    buffer[index] = UInt8(ascii: "-")
                    index += 1
                }
                let word = nibble < 16 ? high : low
                let shift = UInt64(60 - 4 * (nibble % 16))
                buffer[index] = digits.utf8Start[Int((word >> shift) & 0xF)]
                index += 1
            }
            return index
        }
    }

    public static func < (lhs: EntityID, rhs: EntityID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
