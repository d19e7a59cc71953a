/// One value of the Redis serialization protocol, RESP2 or RESP3: what a server replies.
///
/// RESP2 has five types (simple string, error, integer, bulk string and
/// array, the last two with a null form); RESP3 adds the rest. The cases keep
/// what the wire said, so that a caller can tell a RESP3 map from an array of
/// pairs; the accessors (``string``, ``int``, ``array``, ``isNull``...) read
/// across the types the way callers usually want. Bulk strings are bytes:
/// they are binary safe and need not be UTF-8.
///
/// See the [RESP specification](https://redis.io/docs/latest/develop/reference/protocol-spec/).
public enum RESPValue: Sendable, Hashable {
    /// `+OK`: a short line of text.
    case simpleString(String)
    /// `-ERR ...`: the server refused a command; the text starts with an error code (`ERR`, `WRONGTYPE`...).
    case error(String)
    /// `:42`: a signed 64-bit integer.
    case integer(Int64)
    /// `$3 abc`: binary-safe bytes; nil for RESP2's null bulk string (`$-1`).
    case bulkString([UInt8]?)
    /// `*2 ...`: an ordered list; nil for RESP2's null array (`*-1`).
    case array([RESPValue]?)
    /// `_`: RESP3's null.
    case null
    /// `#t` / `#f`: RESP3's boolean.
    case boolean(Bool)
    /// `,1.5`: RESP3's double (`inf`, `-inf` and `nan` included).
    case double(Double)
    /// `(1234...`: RESP3's integer of any size, kept as its decimal digits (with an optional leading `-`).
    case bigNumber(String)
    /// `!21 SYNTAX ...`: RESP3's error with a binary-safe message.
    case bulkError(String)
    /// `=15 txt:...`: RESP3's text with a three-letter format (`txt`, `mkd`).
    case verbatimString(format: String, text: String)
    /// `%2 ...`: RESP3's map, as key/value pairs in the order the server sent them.
    case map([Pair])
    /// `~3 ...`: RESP3's set (unordered on the server; kept in wire order here).
    case set([RESPValue])
    /// `>3 ...`: RESP3's out-of-band message (pub/sub, client-side caching invalidation); never the reply to a command.
    case push([RESPValue])
    /// `|1 ...`: RESP3's attribute: extra information about the value that follows it, kept together with that value.
    indirect case attribute([Pair], RESPValue)

    /// One key/value pair of a RESP3 map or attribute.
    public struct Pair: Sendable, Hashable {
        public var key: RESPValue
        public var value: RESPValue

        public init(key: RESPValue, value: RESPValue) {
            self.key = key
            self.value = value
        }
    }

    /// A bulk string holding the UTF-8 bytes of `text`.
    public static func bulk(_ text: String) -> RESPValue {
        .bulkString(Array(text.utf8))
    }
}
