/// Serialises ``JSONValue``s to compact JSON text.
///
/// The output is canonical for a given value (members in their stored order,
/// no white space, shortest round-trip numbers), which is what the stores
/// compare when two versions tie.
public enum JSONWriter {
    /// The compact JSON text of `value`.
    public static func string(_ value: JSONValue) -> String {
        var output = ""
        write(value, to: &output)
        return output
    }

    /// The JSON text of `value`, indented by two spaces per level.
    public static func prettyString(_ value: JSONValue) -> String {
        var output = ""
        writePretty(value, indent: 0, to: &output)
        return output
    }

    /// Appends the compact JSON text of `value` to `output`.
    public static func write(_ value: JSONValue, to output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .integer(let integer): output += String(integer)
        case .number(let double): writeNumber(double, to: &output)
        case .string(let text): writeString(text, to: &output)
        case .array(let elements):
            output += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { output += "," }
                write(element, to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (position, (key, member)) in members.enumerated() {
                if position > 0 { output += "," }
                writeString(key, to: &output)
                output += ":"
                write(member, to: &output)
            }
            output += "}"
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
            write(value, to: &output)
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
        output += "\""
        var needsEscape = false
        for byte in text.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            needsEscape = true
            break
        }
        if !needsEscape {
            output += text
            output += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
