/// Serialises ``JSONValue``s to compact JSON text.
///
/// The output is canonical for a given value (members in their stored order,
/// no white space, shortest round-trip numbers), which is what the stores
/// compare when two versions tie.
public enum JSONWriter {
    /// The compact JSON text of `value`.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// The compact JSON text of `value` as UTF-8 bytes (what HTTP responses send).
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(value, to: &output)
        return output
    }

    /// The JSON text of `value`, indented by two spaces per level.
    public static func prettyString(_ value: JSONValue) -> String {
        var output = ""
        writePretty(value, indent: 0, to: &output)
        return output
    }

    /// Appends the compact JSON text of `value` to `output`, as UTF-8.
    public static func write(_ value: JSONValue, to output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let integer): output.append(contentsOf: String(integer).utf8)
        case .number(let double):
            var text = ""
            writeNumber(double, to: &text)
            output.append(contentsOf: text.utf8)
        case .string(let text): writeString(text, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                write(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in members {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                write(member, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func writePretty(_ value: JSONValue, indent: Int, to output: inout String) {
        let inner = String(repeating: "  ", count: indent + 1)
        let outer = String(repeating: "  ", count: indent)
        switch value {
        case .array(let elements) where !elements.isEmpty:
            output += "[\n"
            for (position, element) in elements.enumerated() {
                output += inner
                writePretty(element, indent: indent + 1, to: &output)
                output += position + 1 < elements.count ? ",\n" : "\n"
            }
            output += outer + "]"
        case .object(let members) where !members.isEmpty:
            output += "{\n"
            for (position, (key, member)) in members.enumerated() {
                output += inner
                writeString(key, to: &output)
                output += ": "
                writePretty(member, indent: indent + 1, to: &output)
                output += position + 1 < members.count ? ",\n" : "\n"
            }
            output += outer + "}"
        default:
            output += string(value)
        }
    }

    private static func writeNumber(_ double: Double, to output: inout String) {
        if double == double.rounded(), abs(double) < 1e15 {
            // Keep an integral number recognisably a number: 3.0, not 3.
            output += String(Int64(double)) + ".0"
        } else {
            output += "\(double)"
        }
    }

    private static func writeString(_ text: String, to output: inout String) {
        var bytes: [UInt8] = []
        writeString(text, to: &bytes)
        output += String(decoding: bytes, as: UTF8.self)
    }

    private static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        let clean = text.withUTF8 { bytes in
            bytes.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        }
        if clean {
            text.withUTF8 { output.append(contentsOf: $0) }
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
