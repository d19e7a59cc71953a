import ApexRESP
import NIOCore
import Testing

/// Commands go on the wire as arrays of bulk strings, byte for byte, whatever they hold.
@Suite struct RESPEncoderTests {
    static func wire(_ command: RESPCommand) -> String {
        var buffer = ByteBuffer()
        RESPEncoder.encode(command, into: &buffer)
        return String(decoding: buffer.readableBytesView, as: UTF8.self)
    }

    @Test func aCommandIsAnArrayOfBulkStrings() {
        #expect(Self.wire(RESPCommand(["PING"])) == "*1\r\n$4\r\nPING\r\n")
        #expect(Self.wire(RESPCommand(["SET", "key", "value"])) == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n")
        #expect(Self.wire(RESPCommand(["SET", "k", ""])) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n")
    }

    @Test func argumentsAreBinarySafe() {
        let value: [UInt8] = [0, 13, 10, 0x22, 0xFF, 0x00]
        var buffer = ByteBuffer()
        RESPEncoder.encode(RESPCommand(bytes: [Array("SET".utf8), Array("k".utf8), value]), into: &buffer)
        let expected: [UInt8] = Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\n".utf8) + value + [13, 10]
        #expect(Array(buffer.readableBytesView) == expected)
    }

    @Test func textIsSentAsUTF8() {
        #expect(Self.wire(RESPCommand(["ECHO", "🚜 ü"])) == "*2\r\n$4\r\nECHO\r\n$7\r\n🚜 ü\r\n")
    }

    @Test func theThreeWaysToBuildACommandAgree() {
        let text = RESPCommand(["SET", "k", "v\r\n"])
        let bytes = RESPCommand(bytes: [Array("SET".utf8), Array("k".utf8), Array("v\r\n".utf8)])
        var slice = ByteBuffer(string: "xxv\r\n")
        slice.moveReaderIndex(forwardBy: 2)
        let buffers = RESPCommand(buffers: [ByteBuffer(string: "SET"), ByteBuffer(string: "k"), slice])
        #expect(text == bytes)
        #expect(text == buffers)
    }

    @Test func simpleStringsCannotCarryLineBreaks() {
        var buffer = ByteBuffer()
        RESPEncoder.encode(.simpleString("a\r\nb"), into: &buffer)
        #expect(String(buffer: buffer) == "+a  b\r\n")
    }

    @Test func doublesAreSpelledTheRESP3Way() {
        for (number, text) in [(Double.infinity, ",inf\r\n"), (-.infinity, ",-inf\r\n"), (.nan, ",nan\r\n"), (1.5, ",1.5\r\n")] {
            var buffer = ByteBuffer()
            RESPEncoder.encode(.double(number), into: &buffer)
            #expect(String(buffer: buffer) == text)
        }
    }
}
