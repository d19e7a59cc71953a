public import ApexPorts
import PostgresNIO

/// Why the PostgreSQL store could not do what it was asked. Each case reads as one sentence.
public enum PostgresStoreError: StoreAvailabilityError, CustomStringConvertible, Sendable {
    /// The `--database-url` / `APEX_DATABASE_URL` value is not a usable PostgreSQL URL.
    case badURL(url: String, reason: String)
    /// The server did not answer within the connect timeout.
    case unreachable(server: String, seconds: Int)
    /// The server answered but refused the connection, or the connection failed.
    case cannotConnect(server: String, reason: String)
    /// No pooled connection could be had in time (the server went away, or every connection stayed busy).
    case noConnection(seconds: Int)
    /// The database lacks something apex needs (the `vector` extension...).
    case missingPrerequisite(String)
    /// A query failed.
    case queryFailed(reason: String)
    /// A row held something apex never writes.
    case corruptRow(reason: String)

    public var description: String {
        switch self {
        case .badURL(let url, let reason): "the database URL \(url) is not usable: \(reason)"
        case .unreachable(let server, let seconds): "the PostgreSQL server at \(server) did not answer within \(seconds) s"
        case .cannotConnect(let server, let reason): "cannot connect to the PostgreSQL server at \(server): \(reason)"
        case .noConnection(let seconds): "no connection to the PostgreSQL server could be had within \(seconds) s; is it running and reachable?"
        case .missingPrerequisite(let reason): reason
        case .queryFailed(let reason): "a PostgreSQL query failed: \(reason)"
        case .corruptRow(let reason): "the PostgreSQL store holds a row apex cannot read: \(reason)"
        }
    }

    /// Whether the error says the server could not be reached (HTTP 503), rather than that a request was wrong.
    public var storeUnavailable: Bool {
        switch self {
        case .unreachable, .cannotConnect, .noConnection: true
        case .badURL, .missingPrerequisite, .queryFailed, .corruptRow: false
        }
    }

    /// Why a connection attempt failed, in words a user can act on.
    static func connectReason(_ error: any Error) -> String {
        let text = reason(error)
        if text.contains("Connection refused") { return "the connection was refused (is a server listening on that port?)" }
        if text.contains("connectTimeout") { return "the connection attempt timed out" }
        if text.contains("Network is unreachable") || text.contains("No route to host") { return "the network cannot reach it" }
        if text.contains("serverClosedConnection") || text.contains("connection reset") {
            return "the connection closed before the server answered (is it a PostgreSQL server, reachable from here?)"
        }
        if text.contains("sslUnsupported") { return "the server does not offer TLS (use sslmode=disable or prefer)" }
        return text
    }

    /// The server's own message for a PostgresNIO error (whose `description` hides it), else a short reason.
    static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
            return message + detail
        }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }
}
