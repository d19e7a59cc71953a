public import NIOCore

/// Writes commands and values in the Redis serialization protocol; pure, no I/O.
///
/// Commands are arrays of bulk strings
/// ([sending commands](https://redis.io/docs/latest/develop/reference/protocol-spec/#sending-commands-to-a-redis-server)),
/// which every server accepts whatever the protocol version. Values can be
/// written too, in the form the decoder reads (RESP3 types in their RESP3
/// form): what a test double of a server needs.
public enum RESPEncoder {
    /// Appends `command` to `buffer` as an array of bulk strings.
    public static func encode(_ command: RESPCommand, into buffer: inout ByteBuffer) {
        buffer.writeHeader(UInt8(ascii: "*"), command.arguments.count)
        for argument in command.arguments {
            buffer.writeHeader(UInt8(ascii: "$"), argument.count)
            buffer.writeBytes(argument)
            buffer.writeCRLF()
        }
    }

    /// Appends `value` to `buffer`.
    ///
    /// Simple strings and errors cannot hold CR or LF on the wire: those are written as spaces.
    public static func encode(_ value: RESPValue, into buffer: inout ByteBuffer) {
        switch value {
        case .simpleString(let text):
            buffer.writeLine(UInt8(ascii: "+"), text)
        case .error(let text):
            buffer.writeLine(UInt8(ascii: "-"), text)
        case .integer(let number):
            buffer.writeLine(UInt8(ascii: ":"), String(number))
        case .bulkString(nil):
            buffer.writeLine(UInt8(ascii: "$"), "-1")
        case .bulkString(let bytes?):
            buffer.writeBlob(UInt8(ascii: "$"), bytes)
        case .array(nil):
            buffer.writeLine(UInt8(ascii: "*"), "-1")
        case .array(let elements?):
            encode(UInt8(ascii: "*"), elements, into: &buffer)
        case .null:
            buffer.writeLine(UInt8(ascii: "_"), "")
        case .boolean(let flag):
            buffer.writeLine(UInt8(ascii: "#"), flag ? "t" : "f")
        case .double(let number):
            buffer.writeLine(UInt8(ascii: ","), spelled(number))
        case .bigNumber(let digits):
            buffer.writeLine(UInt8(ascii: "("), digits)
        case .bulkError(let message):
            buffer.writeBlob(UInt8(ascii: "!"), Array(message.utf8))
        case .verbatimString(let format, let text):
            let prefix = Array(format.utf8.prefix(3)) + Array(repeating: UInt8(ascii: " "), count: max(0, 3 - format.utf8.count))
            buffer.writeBlob(UInt8(ascii: "="), prefix + [UInt8(ascii: ":")] + Array(text.utf8))
        case .map(let pairs):
            encode(UInt8(ascii: "%"), pairs, into: &buffer)
        case .set(let elements):
            encode(UInt8(ascii: "~"), elements, into: &buffer)
        case .push(let elements):
            encode(UInt8(ascii: ">"), elements, into: &buffer)
        case .attribute(let pairs, let annotated):
            encode(UInt8(ascii: "|"), pairs, into: &buffer)
            encode(annotated, into: &buffer)
        }
    }

    private static func encode(_ type: UInt8, _ elements: [RESPValue], into buffer: inout ByteBuffer) {
        buffer.writeHeader(type, elements.count)
        for element in elements { encode(element, into: &buffer) }
    }

    private static func encode(_ type: UInt8, _ pairs: [RESPValue.Pair], into buffer: inout ByteBuffer) {
        buffer.writeHeader(type, pairs.count)
        for pair in pairs {
            encode(pair.key, into: &buffer)
            encode(pair.value, into: &buffer)
        }
    }

    /// How RESP3 spells a double: `inf`, `-inf`, `nan`, else Swift's shortest round-tripping form.
    static func spelled(_ number: Double) -> String {
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        return "\(number)"
    }
}

extension ByteBuffer {
    fileprivate mutating func writeCRLF() {
        writeInteger(UInt16(0x0D0A))
    }

    fileprivate mutating func writeHeader(_ type: UInt8, _ count: Int) {
        writeInteger(type)
        writeString(String(count))
        writeCRLF()
    }

    fileprivate mutating func writeLine(_ type: UInt8, _ text: String) {
        writeInteger(type)
        writeBytes(text.utf8.map { $0 == 0x0D || $0 == 0x0A ? UInt8(ascii: " ") : $0 })
        writeCRLF()
    }

    fileprivate mutating func writeBlob(_ type: UInt8, _ bytes: [UInt8]) {
        writeHeader(type, bytes.count)
        writeBytes(bytes)
        writeCRLF()
    }
}
