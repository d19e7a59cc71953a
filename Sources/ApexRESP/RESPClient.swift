public import Logging
public import NIOCore
public import NIOPosix

/// A client of one RESP server (Redis, FalkorDB): a bounded pool of connections, each command bounded in time.
///
/// Each command borrows a pooled connection for as long as its reply takes,
/// so up to ``RESPConfiguration/maxConnections`` commands run at once and
/// the rest wait (at most ``RESPConfiguration/leaseTimeout``). A pipeline
/// writes many commands at once on one connection and reads all replies.
/// An error reply is thrown as ``RESPError/serverError(server:message:)``,
/// carrying the server's message. A connection that fails is discarded and
/// the next command opens a new one, so that a server that went away and
/// came back is used again without a restart. A command whose connection
/// was found closed before it was written is sent on another; one whose
/// connection the server closed before any byte of its reply came (an idle
/// connection the server dropped) is sent once more, as Redis clients
/// commonly do: a command the server ran and whose reply it then lost may
/// thus run twice.
/// The client starts no task of its own: after ``shutdown()`` nothing of it
/// runs.
///
/// ```swift
/// let client = RESPClient(configuration: RESPConfiguration(url: try RESPURL("falkordb://127.0.0.1:6379/apex")))
/// let reply = try await client.send(["GRAPH.QUERY", "apex", "RETURN 1", "--compact"])
/// await client.shutdown()
/// ```
public final class RESPClient: Sendable {
    public let configuration: RESPConfiguration
    private let pool: ConnectionPool

    /// A logger that says nothing below `info` (the client logs at `debug` and `trace` only).
    public static let defaultLogger = Logger(label: "apex.resp")

    public init(
        configuration: RESPConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = RESPClient.defaultLogger
    ) {
        var logger = logger
        logger[metadataKey: "resp.server"] = "\(configuration.server)"
        self.configuration = configuration
        self.pool = ConnectionPool(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// Sends one command on a pooled connection and returns its reply.
    ///
    /// - Throws: ``RESPError/serverError(server:message:)`` when the reply is an error; else a ``RESPError`` saying why no
    ///   reply came (``RESPError/serverUnavailable`` tells a server that cannot be reached from a request that was wrong).
    public func send(_ command: RESPCommand) async throws -> RESPValue {
        let replies = try await pipeline([command])
        guard let reply = replies.first else { throw RESPError.connectionClosed(server: configuration.server) }
        return reply
    }

    /// Sends one command of text arguments, each sent as its UTF-8 bytes.
    public func send(_ arguments: [String]) async throws -> RESPValue {
        try await send(RESPCommand(arguments))
    }

    /// Sends one command of byte arguments.
    public func send(_ arguments: [[UInt8]]) async throws -> RESPValue {
        try await send(RESPCommand(bytes: arguments))
    }

    /// Sends one command of buffer arguments (their readable bytes).
    public func send(_ arguments: [ByteBuffer]) async throws -> RESPValue {
        try await send(RESPCommand(buffers: arguments))
    }

    /// Writes all the commands at once on one pooled connection and returns all their replies, in order.
    ///
    /// The commands are not a transaction: each runs on its own, and one that
    /// fails does not stop the others.
    ///
    /// - Throws: when a reply is an error, ``RESPError/serverError(server:message:)`` for the first one (after every reply
    ///   was read); else a ``RESPError`` saying why the replies did not come.
    public func pipeline(_ commands: [RESPCommand]) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        guard commands.allSatisfy({ !$0.arguments.isEmpty }) else { throw RESPError.emptyCommand }
        // A connection found closed before anything was written to it is discarded and the commands sent on another;
        // after a server restart every idle connection may be such. A connection the server closed before any byte of
        // a reply came (it dropped it while idle) is discarded too, and the commands sent once more.
        var resent = false
        var attempts = 0
        while true {
            let connection = try await pool.lease()
            do {
                let replies = try await connection.execute(commands)
                pool.release(connection)
                return try RESPConnection.checked(replies, server: configuration.server)
            } catch is NotWritten {
                pool.release(connection, discard: true)
                attempts += 1
                if attempts > configuration.maxConnections { throw RESPError.connectionClosed(server: configuration.server) }
            } catch is ClosedBeforeReply {
                pool.release(connection, discard: true)
                if resent { throw RESPError.connectionClosed(server: configuration.server) }
                resent = true
            } catch {
                pool.release(connection, discard: true)
                throw error
            }
        }
    }

    /// Writes all the commands of text arguments at once (see ``pipeline(_:)-([RESPCommand])``).
    public func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        try await pipeline(commands.map(RESPCommand.init))
    }

    /// Runs `body` with a pooled connection of its own, for commands that must share one (`MULTI` ... `EXEC`, `WATCH`).
    ///
    /// The connection goes back to the pool when `body` returns, or is
    /// discarded when it failed. It must not be used after `body` returns.
    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation, _ body: (RESPConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await pool.lease()
        do {
            let result = try await body(connection)
            pool.release(connection)
            return result
        } catch let error as RESPError where error.serverMessage != nil {
            pool.release(connection)
            throw error
        } catch {
            pool.release(connection, discard: true)
            throw error
        }
    }

    /// Closes every connection and fails every waiting command with ``RESPError/clientShutDown(server:)``.
    ///
    /// Commands still waiting for replies fail with ``RESPError/connectionClosed(server:)``; later ones with
    /// ``RESPError/clientShutDown(server:)``.
    public func shutdown() async {
        await pool.shutdown()
    }
}
