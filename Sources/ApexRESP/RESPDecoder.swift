public import NIOCore

/// Reads RESP2 and RESP3 values from bytes as they arrive; pure, no I/O.
///
/// An incremental state machine: ``next(from:)`` returns a value once all of
/// its bytes are in the buffer and nil when it needs more, keeping the
/// aggregates it has begun (their elements already read and consumed), so
/// that a long reply arriving in many pieces is read once, not re-read from
/// its start each time. A scalar that is not complete yet is left in the
/// buffer untouched. Aggregates are tracked on a stack of its own, never by
/// recursion, and ``Limits`` bound the nesting depth, the length of lines
/// and strings and the count of elements: a hostile or broken server cannot
/// crash the process or make it allocate without bound. A malformed frame
/// throws a ``RESPDecodingError``; the decoder then stays failed, as the
/// stream cannot be resynchronised.
///
/// See the [RESP specification](https://redis.io/docs/latest/develop/reference/protocol-spec/).
public struct RESPDecoder: Sendable {
    /// The bounds the decoder enforces on what a server sends.
    public struct Limits: Sendable, Hashable {
        /// How deeply aggregates may nest (an attribute counts as one level).
        public var maxDepth: Int
        /// The most bytes a bulk string, bulk error or verbatim string may announce.
        public var maxBlobLength: Int
        /// The most elements (or pairs) an aggregate may announce.
        public var maxAggregateCount: Int
        /// The most bytes a line (a simple string, an error, a number, a header) may hold before its CR LF.
        public var maxLineLength: Int

        public init(maxDepth: Int = 64, maxBlobLength: Int = 64 << 20, maxAggregateCount: Int = 1 << 24, maxLineLength: Int = 1 << 20) {
            self.maxDepth = maxDepth
            self.maxBlobLength = maxBlobLength
            self.maxAggregateCount = maxAggregateCount
            self.maxLineLength = maxLineLength
        }
    }

    /// An aggregate begun and not yet complete.
    private struct Frame: Sendable {
        enum Kind: Sendable { case array, set, push, map, attribute, annotated }
        var kind: Kind
        /// Values still to read: elements, or keys and values for maps and attributes, or 1 for the value an attribute annotates.
        var remaining: Int
        /// Elements read so far; keys and values alternate for maps and attributes.
        var elements: [RESPValue]
        /// The pairs of the attribute whose value is awaited (kind `annotated`).
        var attributes: [RESPValue.Pair] = []
    }

    private enum Step {
        case value(RESPValue)
        case opened
    }

    public let limits: Limits
    private var stack: [Frame] = []
    private var failure: RESPDecodingError?

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Whether the decoder holds part of a value: an aggregate begun whose elements have not all arrived.
    public var isMidValue: Bool { !stack.isEmpty }

    /// The next complete value in `buffer`, consuming its bytes; nil when more bytes are needed.
    ///
    /// - Throws: ``RESPDecodingError`` when the bytes are no well-formed RESP, or break a limit; again on every later call.
    public mutating func next(from buffer: inout ByteBuffer) throws(RESPDecodingError) -> RESPValue? {
        if let failure { throw failure }
        do {
            return try decode(&buffer)
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func decode(_ buffer: inout ByteBuffer) throws(RESPDecodingError) -> RESPValue? {
        while true {
            guard let step = try readFrame(&buffer) else { return nil }
            guard case .value(var value) = step else { continue }
            // Hand the value to the aggregates it completes, innermost first.
            folding: while !stack.isEmpty {
                let top = stack.count - 1
                stack[top].elements.append(value)
                stack[top].remaining -= 1
                guard stack[top].remaining == 0 else { break folding }
                let frame = stack.removeLast()
                switch frame.kind {
                case .array: value = .array(frame.elements)
                case .set: value = .set(frame.elements)
                case .push: value = .push(frame.elements)
                case .map: value = .map(Self.pairs(frame.elements))
                case .annotated:
                    // `elements` holds exactly the annotated value here.
                    value = .attribute(frame.attributes, frame.elements.first ?? .null)
                case .attribute:
                    // The attribute is read: now the value it annotates.
                    stack.append(Frame(kind: .annotated, remaining: 1, elements: [], attributes: Self.pairs(frame.elements)))
                    break folding
                }
            }
            if stack.isEmpty { return value }
        }
    }

    private static func pairs(_ elements: [RESPValue]) -> [RESPValue.Pair] {
        stride(from: 0, to: elements.count - 1, by: 2).map { RESPValue.Pair(key: elements[$0], value: elements[$0 + 1]) }
    }

    /// Reads one scalar or the header of one aggregate; nil when the buffer does not hold all of it yet.
    private mutating func readFrame(_ buffer: inout ByteBuffer) throws(RESPDecodingError) -> Step? {
        guard let header = try scanHeader(buffer) else { return nil }
        let headerLength = header.crOffset + 2
        let lineStart = buffer.readerIndex + 1
        let lineLength = header.crOffset - 1

        switch header.type {
        case UInt8(ascii: "+"):
            let text = buffer.getString(at: lineStart, length: lineLength) ?? ""
            buffer.moveReaderIndex(forwardBy: headerLength)
            return .value(.simpleString(text))
        case UInt8(ascii: "-"):
            let text = buffer.getString(at: lineStart, length: lineLength) ?? ""
            buffer.moveReaderIndex(forwardBy: headerLength)
            return .value(.error(text))
        case UInt8(ascii: ":"):
            guard let number = header.number else { throw .invalidInteger }
            buffer.moveReaderIndex(forwardBy: headerLength)
            return .value(.integer(number))
        case UInt8(ascii: "_"):
            guard lineLength == 0 else { throw .invalidNull }
            buffer.moveReaderIndex(forwardBy: headerLength)
            return .value(.null)
        case UInt8(ascii: "#"):
            let flag: Bool
            switch buffer.getBytes(at: lineStart, length: lineLength) ?? [] {
            case [UInt8(ascii: "t")]: flag = true
            case [UInt8(ascii: "f")]: flag = false
            default: throw .invalidBoolean
            }
            buffer.moveReaderIndex(forwardBy: headerLength)
            return .value(.boolean(flag))
        case UInt8(ascii: ","):
            guard let number = Self.double(buffer.getBytes(at: lineStart, length: lineLength) ?? []) else { throw .invalidDouble }
            buffer.moveReaderIndex(forwardBy: headerLength)
            return .value(.double(number))
        case UInt8(ascii: "("):
            let digits = buffer.getBytes(at: lineStart, length: lineLength) ?? []
            guard Self.isBigNumber(digits) else { throw .invalidBigNumber }
            buffer.moveReaderIndex(forwardBy: headerLength)
            return .value(.bigNumber(String(decoding: digits, as: UTF8.self)))
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            return try readBlob(header.type, length: header.number, headerLength: headerLength, &buffer)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
            return try openAggregate(header.type, count: header.number, headerLength: headerLength, &buffer)
        default:
            throw .unknownType(header.type)
        }
    }

    /// A bulk string, bulk error or verbatim string: a length line, then that many bytes and CR LF.
    private func readBlob(_ type: UInt8, length: Int64?, headerLength: Int, _ buffer: inout ByteBuffer) throws(RESPDecodingError) -> Step? {
        let name = type == UInt8(ascii: "$") ? "bulk string" : type == UInt8(ascii: "!") ? "bulk error" : "verbatim string"
        guard let length, length >= -1, length != -1 || type == UInt8(ascii: "$") else {
            throw .invalidLength(type: name)
        }
        if length == -1 {
            buffer.moveReaderIndex(forwardBy: headerLength)
            return .value(.bulkString(nil))
        }
        guard length <= limits.maxBlobLength else { throw .blobTooLong(length: Int(clamping: length), limit: limits.maxBlobLength) }
        let count = Int(length)
        guard buffer.readableBytes >= headerLength + count + 2 else { return nil }
        let payloadStart = buffer.readerIndex + headerLength
        guard buffer.getInteger(at: payloadStart + count, as: UInt16.self) == 0x0D0A else { throw .missingCRLF }
        let bytes = buffer.getBytes(at: payloadStart, length: count) ?? []
        let value: RESPValue
        switch type {
        case UInt8(ascii: "$"):
            value = .bulkString(bytes)
        case UInt8(ascii: "!"):
            value = .bulkError(String(decoding: bytes, as: UTF8.self))
        default:
            guard bytes.count >= 4, bytes[3] == UInt8(ascii: ":") else { throw .invalidVerbatimString }
            value = .verbatimString(format: String(decoding: bytes[0..<3], as: UTF8.self), text: String(decoding: bytes[4...], as: UTF8.self))
        }
        buffer.moveReaderIndex(forwardBy: headerLength + count + 2)
        return .value(value)
    }

    /// The header of an array, set, push, map or attribute: its elements follow as frames of their own.
    private mutating func openAggregate(
        _ type: UInt8, count: Int64?, headerLength: Int, _ buffer: inout ByteBuffer
    ) throws(RESPDecodingError) -> Step {
        let kind: Frame.Kind
        let name: String
        switch type {
        case UInt8(ascii: "*"): (kind, name) = (.array, "array")
        case UInt8(ascii: "~"): (kind, name) = (.set, "set")
        case UInt8(ascii: ">"): (kind, name) = (.push, "push message")
        case UInt8(ascii: "%"): (kind, name) = (.map, "map")
        default: (kind, name) = (.attribute, "attribute")
        }
        guard let count, count >= -1, count != -1 || kind == .array else { throw .invalidLength(type: name) }
        if count == -1 {
            buffer.moveReaderIndex(forwardBy: headerLength)
            return .value(.array(nil))
        }
        guard count <= limits.maxAggregateCount else { throw .aggregateTooLong(count: Int(clamping: count), limit: limits.maxAggregateCount) }
        let elements = Int(count) * (kind == .map || kind == .attribute ? 2 : 1)
        if elements == 0 && kind != .attribute {
            buffer.moveReaderIndex(forwardBy: headerLength)
            switch kind {
            case .set: return .value(.set([]))
            case .push: return .value(.push([]))
            case .map: return .value(.map([]))
            default: return .value(.array([]))
            }
        }
        guard stack.count < limits.maxDepth else { throw .tooDeep(limit: limits.maxDepth) }
        buffer.moveReaderIndex(forwardBy: headerLength)
        var frame = Frame(kind: kind, remaining: elements, elements: [])
        frame.elements.reserveCapacity(min(elements, 1024))
        if elements == 0 {
            // An empty attribute: only the value it annotates is left to read.
            frame = Frame(kind: .annotated, remaining: 1, elements: [])
        }
        stack.append(frame)
        return .opened
    }

    /// The first line of the next frame: the offset of its CR (the type byte is at offset 0), its type byte, and the
    /// line read as a decimal integer (nil when it is not one); nil when the whole line has not arrived.
    ///
    /// One pass over the raw bytes, with no view of the buffer (which would retain its storage per frame).
    private func scanHeader(_ buffer: ByteBuffer) throws(RESPDecodingError) -> (crOffset: Int, type: UInt8, number: Int64?)? {
        let limit = limits.maxLineLength
        let scanned: Result<(crOffset: Int, type: UInt8, number: Int64?)?, RESPDecodingError> = buffer.withUnsafeReadableBytes { bytes in
            guard !bytes.isEmpty else { return .success(nil) }
            let searched = UnsafeRawBufferPointer(rebasing: bytes[..<min(bytes.count, limit + 2)])
            guard let cr = searched.firstIndex(of: 0x0D) else {
                return bytes.count > limit + 1 ? .failure(.lineTooLong(limit: limit)) : .success(nil)
            }
            if cr == 0 { return .failure(.unknownType(0x0D)) }
            guard cr + 1 < bytes.count else { return .success(nil) }
            guard bytes[cr + 1] == 0x0A else { return .failure(.missingCRLF) }
            return .success((cr, bytes[0], Self.integer(UnsafeRawBufferPointer(rebasing: bytes[1..<cr]))))
        }
        return try scanned.get()
    }

    /// A decimal integer with an optional sign that fits in 64 bits.
    static func integer<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int64? {
        var index = bytes.startIndex
        guard index != bytes.endIndex else { return nil }
        var negative = false
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index = bytes.index(after: index)
        }
        guard index != bytes.endIndex else { return nil }
        var value: Int64 = 0
        while index != bytes.endIndex {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte - UInt8(ascii: "0"))
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            // Accumulated with the sign applied, so that Int64.min fits.
            let (next, overflow2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow2 else { return nil }
            value = next
            index = bytes.index(after: index)
        }
        return value
    }

    /// A double as RESP3 spells it: a decimal number with an optional exponent, `inf`, `-inf` or `nan`.
    static func double<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Double? {
        guard !bytes.isEmpty, bytes.count <= 512 else { return nil }
        let allowed = Set("0123456789+-.eE".utf8)
        let text = String(decoding: bytes, as: UTF8.self)
        switch text.lowercased() {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "-nan": return .nan
        default:
            guard bytes.allSatisfy({ allowed.contains($0) }) else { return nil }
            return Double(text)
        }
    }

    static func isBigNumber<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        var digits = bytes[...]
        if let first = digits.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
