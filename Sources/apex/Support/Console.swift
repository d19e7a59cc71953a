import ApexCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the CLI writes: answers to stdout, errors and progress to stderr.
enum Console {
    /// Prints a JSON answer, indented, to stdout.
    static func answer(_ value: JSONValue) {
        print(JSONWriter.prettyString(value))
    }

    /// Prints one error sentence to stderr.
    static func error(_ message: String) {
        var text = message.hasPrefix("apex:") || message.hasPrefix("Error:") || message.hasPrefix("Usage:") ? message : "apex: " + message
        if !text.hasSuffix("\n") { text += "\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Whether stderr is a terminal (progress output goes there only then).
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// Rewrites the progress line on stderr.
    static func progress(_ line: String, final: Bool) {
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + (final ? "\n" : "")).utf8))
    }
}
