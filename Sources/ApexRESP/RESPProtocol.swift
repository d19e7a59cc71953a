/// Which version of the Redis serialization protocol a connection speaks.
///
/// RESP3 (Redis 6 and later) tells maps, sets, doubles, booleans and nulls
/// apart on the wire; RESP2 sends them as arrays, strings and integers. A
/// connection asked for RESP3 sends `HELLO 3` and falls back to RESP2 when
/// the server does not know it.
public enum RESPProtocol: Int, Sendable, Hashable, CustomStringConvertible {
    case resp2 = 2
    case resp3 = 3

    public var description: String { "RESP\(rawValue)" }
}
