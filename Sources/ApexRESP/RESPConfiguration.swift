/// Where a RESP server is, how to log in, and the bounds every wait is held to.
///
/// Every wait has a bound, so that a server that goes away turns into an
/// error a caller sees (``RESPError/serverUnavailable``), never a hang: the
/// TCP connect and each handshake reply (``connectTimeout``), each reply
/// (``commandTimeout``) and the wait for a free pooled connection
/// (``leaseTimeout``).
public struct RESPConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// The ACL user; nil for the `default` user (then a password alone is sent as `AUTH password`).
    public var username: String?
    public var password: String?
    /// The logical database `SELECT`ed after the handshake (not sent when 0).
    public var database: Int
    /// The protocol asked for; RESP3 falls back to RESP2 when the server refuses `HELLO 3`.
    public var protocolVersion: RESPProtocol
    /// The most connections the client's pool opens at once.
    public var maxConnections: Int
    /// The bound on opening a connection: on the TCP connect, and on each reply of the handshake (`HELLO`, `AUTH`, `SELECT`).
    public var connectTimeout: Duration
    /// The bound on each reply, from the moment its command is written.
    public var commandTimeout: Duration
    /// The bound on the wait for a free pooled connection.
    public var leaseTimeout: Duration
    /// The bounds on what the server may send (nesting depth, string and aggregate lengths).
    public var decoderLimits: RESPDecoder.Limits

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        protocolVersion: RESPProtocol = .resp3,
        maxConnections: Int = 8,
        connectTimeout: Duration = .seconds(5),
        commandTimeout: Duration = .seconds(10),
        leaseTimeout: Duration = .seconds(10),
        decoderLimits: RESPDecoder.Limits = RESPDecoder.Limits()
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.protocolVersion = protocolVersion
        self.maxConnections = max(1, maxConnections)
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.leaseTimeout = leaseTimeout
        self.decoderLimits = decoderLimits
    }

    /// The configuration for the server, credentials and database of `url`, with the default bounds.
    public init(url: RESPURL, protocolVersion: RESPProtocol = .resp3) {
        self.init(host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, protocolVersion: protocolVersion)
    }

    /// The server's address as messages name it: `host:port`, with an IPv6 host in brackets.
    public var server: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
