/// Why a command to a RESP server (Redis, FalkorDB) got no usable answer. Each case reads as one sentence.
///
/// The descriptions name the server (`host:port`) and never a command's
/// arguments or a value: those may hold what a user stored. A server's own
/// message is kept whole in ``serverError(server:message:)``; its
/// description leaves out the parts where servers quote a request back
/// (FalkorDB's `errCtx:`, Redis's `with args beginning with:`).
public enum RESPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server could not be reached: the connection was refused or failed.
    case cannotConnect(server: String, reason: String)
    /// The connection, or the handshake on it, did not complete within the connect timeout.
    case connectTimeout(server: String, timeout: Duration)
    /// A reply did not come within the command timeout; the connection was closed and is not reused.
    case replyTimeout(server: String, timeout: Duration)
    /// The connection closed (the server went away, or the client shut down) before the reply came.
    case connectionClosed(server: String)
    /// Every pooled connection stayed busy (or none could be opened) for the whole lease timeout.
    case noFreeConnection(server: String, timeout: Duration)
    /// The server sent bytes that are no well-formed RESP reply; the connection was closed.
    case protocolError(server: String, reason: RESPDecodingError)
    /// The server sent a reply that no command asked for; the connection was closed.
    case unexpectedReply(server: String)
    /// The server answered the command with an error reply.
    case serverError(server: String, message: String)
    /// The server refused the credentials (or asked for some) during the handshake.
    case authenticationRefused(server: String, message: String)
    /// The client was shut down; it sends no more commands.
    case clientShutDown(server: String)
    /// A command had no arguments at all (a server answers nothing to it).
    case emptyCommand

    public var description: String {
        switch self {
        case .cannotConnect(let server, let reason):
            "cannot connect to the RESP server at \(server): \(reason)"
        case .connectTimeout(let server, let timeout):
            "the RESP server at \(server) did not accept a connection within \(Self.spelled(timeout))"
        case .replyTimeout(let server, let timeout):
            "the RESP server at \(server) did not reply within \(Self.spelled(timeout)); the connection was closed"
        case .connectionClosed(let server):
            "the connection to the RESP server at \(server) closed before the reply came"
        case .noFreeConnection(let server, let timeout):
            "no connection to the RESP server at \(server) could be had within \(Self.spelled(timeout)); is it running and reachable?"
        case .protocolError(let server, let reason):
            "the RESP server at \(server) sent a malformed reply (\(reason)); the connection was closed"
        case .unexpectedReply(let server):
            "the RESP server at \(server) sent a reply that no command asked for; the connection was closed"
        case .serverError(let server, let message):
            "the RESP server at \(server) answered with an error: \(Self.withoutQuotedRequest(message))"
        case .authenticationRefused(let server, let message):
            "the RESP server at \(server) refused to authenticate the connection: \(Self.withoutQuotedRequest(message))"
        case .clientShutDown(let server):
            "the RESP client for \(server) was shut down"
        case .emptyCommand:
            "a command with no arguments cannot be sent: it needs at least its name"
        }
    }

    /// Whether the error says the server could not be reached or did not answer (HTTP 503), rather than that a request was wrong.
    ///
    /// A client that was shut down counts as unavailable too: a request that races a shutdown should be retried elsewhere.
    public var serverUnavailable: Bool {
        switch self {
        case .cannotConnect, .connectTimeout, .replyTimeout, .connectionClosed, .noFreeConnection, .clientShutDown: true
        case .protocolError, .unexpectedReply, .serverError, .authenticationRefused, .emptyCommand: false
        }
    }

    /// The server's own message, for a server error or a refused authentication; nil otherwise.
    public var serverMessage: String? {
        switch self {
        case .serverError(_, let message), .authenticationRefused(_, let message): message
        default: nil
        }
    }

    /// The error code a server message starts with (`ERR`, `WRONGTYPE`, `NOAUTH`...), for a server error; nil otherwise.
    public var serverErrorCode: String? {
        guard case .serverError(_, let message) = self, let code = message.split(separator: " ", maxSplits: 1).first else { return nil }
        return String(code)
    }

    /// `message` without the tail where a server quotes back the request.
    static func withoutQuotedRequest(_ message: String) -> String {
        var text = Substring(message)
        for marker in [" errCtx:", ", with args beginning with:"] {
            if let range = text.firstRange(of: marker) { text = text[..<range.lowerBound] }
        }
        return String(text)
    }

    /// A duration as a person reads it: `5 s`, `0.25 s`.
    static func spelled(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds) s" }
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return "\((value * 1000).rounded() / 1000) s"
    }
}
