/// Why bytes from a server are not a well-formed RESP value. Each case reads as one sentence.
///
/// The descriptions name the frame's type and the limits it broke, never the
/// bytes it held: a reply may carry what a user stored.
public enum RESPDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A frame started with a byte that is no RESP type (or a RESP3 streamed type, which this client does not read).
    case unknownType(UInt8)
    /// An integer frame did not hold a signed 64-bit decimal integer.
    case invalidInteger
    /// A length or count was neither -1 (null, where allowed) nor a non-negative decimal integer.
    case invalidLength(type: String)
    /// A double frame did not hold a number, `inf`, `-inf` or `nan`.
    case invalidDouble
    /// A boolean frame held something other than `t` or `f`.
    case invalidBoolean
    /// A big number frame held something other than decimal digits with an optional sign.
    case invalidBigNumber
    /// A null frame held bytes.
    case invalidNull
    /// A verbatim string was shorter than its `xxx:` format prefix.
    case invalidVerbatimString
    /// A line or a blob was not ended by CR LF.
    case missingCRLF
    /// A line was longer than the limit without reaching its CR LF.
    case lineTooLong(limit: Int)
    /// A blob announced more bytes than the limit.
    case blobTooLong(length: Int, limit: Int)
    /// An aggregate announced more elements than the limit.
    case aggregateTooLong(count: Int, limit: Int)
    /// Aggregates were nested deeper than the limit.
    case tooDeep(limit: Int)

    public var description: String {
        switch self {
        case .unknownType(let byte):
            "a frame started with the byte 0x\(String(byte, radix: 16, uppercase: true)), which is no RESP type this client reads"
        case .invalidInteger: "an integer frame did not hold a signed 64-bit decimal integer"
        case .invalidLength(let type): "the length of a \(type) was neither -1 nor a non-negative decimal integer"
        case .invalidDouble: "a double frame did not hold a decimal number, inf, -inf or nan"
        case .invalidBoolean: "a boolean frame held something other than t or f"
        case .invalidBigNumber: "a big number frame held something other than decimal digits"
        case .invalidNull: "a null frame was not empty"
        case .invalidVerbatimString: "a verbatim string did not start with a three-letter format and a colon"
        case .missingCRLF: "a frame was not ended by CR LF"
        case .lineTooLong(let limit): "a line ran past \(limit) bytes without its CR LF"
        case .blobTooLong(let length, let limit): "a string announced \(length) bytes, over the limit of \(limit)"
        case .aggregateTooLong(let count, let limit): "an aggregate announced \(count) elements, over the limit of \(limit)"
        case .tooDeep(let limit): "aggregates were nested more than \(limit) deep"
        }
    }
}
