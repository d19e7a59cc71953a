public import NIOCore

/// One command to send: its name and arguments, each a binary-safe string.
///
/// A command goes on the wire as an array of bulk strings, the only form a
/// server must accept; nothing in it is ever interpreted or escaped, so a key
/// or value may hold quotes, CRLF or NUL bytes. The arguments are never
/// written to logs or error messages: they may hold what a user stored.
public struct RESPCommand: Sendable, Hashable {
    /// The name first, then the arguments.
    public let arguments: [[UInt8]]

    /// A command from text arguments, sent as their UTF-8 bytes.
    public init(_ arguments: [String]) {
        self.arguments = arguments.map { Array($0.utf8) }
    }

    /// A command from byte arguments.
    public init(bytes arguments: [[UInt8]]) {
        self.arguments = arguments
    }

    /// A command from buffer arguments (their readable bytes).
    public init(buffers arguments: [ByteBuffer]) {
        self.arguments = arguments.map { Array($0.readableBytesView) }
    }

    /// The number of bytes the command takes on the wire.
    var encodedLength: Int {
        arguments.reduce(16) { $0 + $1.count + 16 }
    }
}
