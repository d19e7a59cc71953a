extension RESPValue {
    /// The value an attribute annotates, or this value when it carries no attribute.
    ///
    /// Every accessor below looks through attributes, so that a caller who does
    /// not care about them never sees them.
    public var withoutAttributes: RESPValue {
        var value = self
        while case .attribute(_, let inner) = value { value = inner }
        return value
    }

    /// The text of a simple string, a bulk string holding valid UTF-8, a verbatim string or a big number; nil otherwise.
    public var string: String? {
        switch withoutAttributes {
        case .simpleString(let text), .bigNumber(let text): text
        case .bulkString(let bytes?): String(validating: bytes, as: UTF8.self)
        case .verbatimString(_, let text): text
        default: nil
        }
    }

    /// The bytes of a bulk string, or the UTF-8 bytes of a simple string or verbatim string; nil otherwise.
    public var bytes: [UInt8]? {
        switch withoutAttributes {
        case .bulkString(let bytes?): bytes
        case .simpleString(let text): Array(text.utf8)
        case .verbatimString(_, let text): Array(text.utf8)
        default: nil
        }
    }

    /// An integer, or a string or big number that spells one in decimal (Redis sends counters read with GET as bulk strings).
    public var int: Int? {
        switch withoutAttributes {
        case .integer(let value): Int(exactly: value)
        case .simpleString, .bulkString, .bigNumber: string.flatMap { Int($0) }
        default: nil
        }
    }

    /// A double, an integer, or a string that spells a number (FalkorDB and RESP2 send doubles as strings).
    public var double: Double? {
        switch withoutAttributes {
        case .double(let value): value
        case .integer(let value): Double(value)
        case .simpleString, .bulkString, .bigNumber: string.flatMap { Double($0) }
        default: nil
        }
    }

    /// A boolean, or the integers 0 and 1 (RESP2's booleans).
    public var bool: Bool? {
        switch withoutAttributes {
        case .boolean(let value): value
        case .integer(0): false
        case .integer(1): true
        default: nil
        }
    }

    /// The elements of an array, a set or a push message; nil for anything else, a null array included.
    public var array: [RESPValue]? {
        switch withoutAttributes {
        case .array(let elements?), .set(let elements), .push(let elements): elements
        default: nil
        }
    }

    /// The pairs of a map, or of an array of even length read as alternating keys and values (how RESP2 sends a map).
    public var map: [Pair]? {
        switch withoutAttributes {
        case .map(let pairs): return pairs
        case .array(let elements?) where elements.count.isMultiple(of: 2):
            return stride(from: 0, to: elements.count, by: 2).map { Pair(key: elements[$0], value: elements[$0 + 1]) }
        default: return nil
        }
    }

    /// The value of the first pair whose key reads as `key` (see ``map``).
    public subscript(key: String) -> RESPValue? {
        map?.first(where: { $0.key.string == key })?.value
    }

    /// Whether this is a null of either protocol: RESP3's null, a null bulk string or a null array.
    public var isNull: Bool {
        switch withoutAttributes {
        case .null, .bulkString(nil), .array(nil): true
        default: false
        }
    }

    /// The message of an error or a bulk error; nil for anything else.
    public var errorMessage: String? {
        switch withoutAttributes {
        case .error(let message), .bulkError(let message): message
        default: nil
        }
    }

    /// Whether this is a RESP3 push message (possibly under an attribute): out-of-band, never a reply.
    public var isPush: Bool {
        if case .push = withoutAttributes { return true }
        return false
    }
}
