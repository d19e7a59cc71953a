#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
public import Logging
public import NIOCore
public import NIOPosix
import Synchronization

/// One open, handshaken connection to a RESP server.
///
/// Most callers use ``RESPClient``, which pools these; a connection of
/// one's own is for what must run on a single connection (`MULTI` ...
/// `EXEC`, `WATCH`), through ``RESPClient/withConnection(isolation:_:)``.
/// Commands may be sent from several tasks at once: they are written in
/// the order they arrive and their replies matched in that order. Each
/// reply is awaited at most the command timeout; after a timeout, a
/// malformed reply or a network failure the connection is closed for good
/// (``isActive`` turns false) and every command on it fails.
public final class RESPConnection: Sendable {
    /// A number for logs, unique in this process.
    public let id: Int
    /// The server, `host:port`.
    public let server: String
    /// The protocol the handshake settled on.
    public let protocolVersion: RESPProtocol
    let channel: any Channel
    private let handler: NIOLoopBound<RESPChannelHandler>
    private let commandTimeout: Duration

    private static let ids = Atomic<Int>(0)

    private init(id: Int, server: String, protocolVersion: RESPProtocol, channel: any Channel, handler: NIOLoopBound<RESPChannelHandler>, commandTimeout: Duration) {
        self.id = id
        self.server = server
        self.protocolVersion = protocolVersion
        self.channel = channel
        self.handler = handler
        self.commandTimeout = commandTimeout
    }

    /// Opens a connection and runs the handshake: `HELLO 3` (or `AUTH`), then `SELECT` (see ``RESPConfiguration``).
    ///
    /// - Throws: ``RESPError``: ``RESPError/cannotConnect(server:reason:)`` or ``RESPError/connectTimeout(server:timeout:)``
    ///   when the server cannot be reached in time, ``RESPError/authenticationRefused(server:message:)`` when it refuses the credentials.
    public static func connect(
        configuration: RESPConfiguration, eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next(),
        logger: Logger = RESPClient.defaultLogger
    ) async throws -> RESPConnection {
        let server = configuration.server
        let id = ids.add(1, ordering: .relaxed).newValue
        var logger = logger
        logger[metadataKey: "resp.server"] = "\(server)"
        logger[metadataKey: "resp.connection"] = "\(id)"
        let (limits, handlerLogger) = (configuration.decoderLimits, logger)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RESPChannelHandler(server: server, limits: limits, logger: handlerLogger))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            let failure = connectFailure(error, configuration: configuration)
            logger.debug("RESP connection could not be opened", metadata: ["error": "\(failure)"])
            throw failure
        }
        do {
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: RESPChannelHandler.self), eventLoop: channel.eventLoop)
            }.get()
            let version = try await handshake(configuration, channel: channel, handler: handler)
            logger.debug("RESP connection opened", metadata: ["resp.protocol": "\(version)"])
            return RESPConnection(
                id: id, server: server, protocolVersion: version, channel: channel, handler: handler, commandTimeout: configuration.commandTimeout)
        } catch {
            try? await channel.close()
            switch error {
            case RESPError.replyTimeout: throw RESPError.connectTimeout(server: server, timeout: configuration.connectTimeout)
            case let error as RESPError: throw error
            default: throw RESPError.connectionClosed(server: server)
            }
        }
    }

    /// Whether the connection is open: false for good once it failed or was closed.
    public var isActive: Bool { channel.isActive }

    /// Sends one command and awaits its reply.
    ///
    /// - Throws: ``RESPError/serverError(server:message:)`` when the reply is an error, else a ``RESPError`` saying why no reply came.
    public func send(_ command: RESPCommand) async throws -> RESPValue {
        let replies = try await pipeline([command])
        guard let reply = replies.first else { throw RESPError.connectionClosed(server: server) }
        return reply
    }

    /// Sends one command of text arguments (see ``send(_:)-(RESPCommand)``).
    public func send(_ arguments: [String]) async throws -> RESPValue {
        try await send(RESPCommand(arguments))
    }

    /// Writes all the commands at once and awaits all their replies, in order.
    ///
    /// - Throws: when a reply is an error, ``RESPError/serverError(server:message:)`` for the first one, once every reply
    ///   was read (the connection stays usable); else a ``RESPError`` saying why the replies did not come.
    public func pipeline(_ commands: [RESPCommand]) async throws -> [RESPValue] {
        do {
            return try Self.checked(try await execute(commands), server: server)
        } catch is NotWritten {
            throw RESPError.connectionClosed(server: server)
        } catch is ClosedBeforeReply {
            throw RESPError.connectionClosed(server: server)
        }
    }

    /// Closes the connection; commands still waiting for replies fail with ``RESPError/connectionClosed(server:)``.
    public func close() async {
        try? await channel.close()
    }

    /// The replies to `commands`, error replies included.
    ///
    /// Throws ``NotWritten`` when the connection was closed before, ``ClosedBeforeReply`` when it closed before any reply came.
    func execute(_ commands: [RESPCommand]) async throws -> [RESPValue] {
        guard commands.allSatisfy({ !$0.arguments.isEmpty }) else { throw RESPError.emptyCommand }
        return try await Self.execute(commands, timeout: commandTimeout, channel: channel, handler: handler)
    }

    private static func execute(
        _ commands: [RESPCommand], timeout: Duration, channel: any Channel, handler: NIOLoopBound<RESPChannelHandler>
    ) async throws -> [RESPValue] {
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        let request = RESPChannelHandler.Request(commands: commands, promise: promise, timeout: timeout)
        if channel.eventLoop.inEventLoop {
            handler.value.enqueue(request)
        } else {
            channel.eventLoop.execute { handler.value.enqueue(request) }
        }
        return try await promise.futureResult.get()
    }

    /// `replies`, or the first error reply among them thrown as ``RESPError/serverError(server:message:)``.
    static func checked(_ replies: [RESPValue], server: String) throws -> [RESPValue] {
        if let message = replies.lazy.compactMap(\.errorMessage).first { throw RESPError.serverError(server: server, message: message) }
        return replies
    }

    private static func handshake(
        _ configuration: RESPConfiguration, channel: any Channel, handler: NIOLoopBound<RESPChannelHandler>
    ) async throws -> RESPProtocol {
        var handshake = Handshake(configuration)
        var step = handshake.start()
        while true {
            switch step {
            case .send(let command):
                let replies = try await execute([command], timeout: configuration.connectTimeout, channel: channel, handler: handler)
                step = handshake.receive(replies.first ?? .null)
            case .done(let version):
                return version
            case .authenticationRefused(let message):
                throw RESPError.authenticationRefused(server: configuration.server, message: message)
            case .refused(let message):
                throw RESPError.serverError(server: configuration.server, message: message)
            }
        }
    }

    /// Why opening the TCP connection failed, in words a user can act on.
    static func connectFailure(_ error: any Error, configuration: RESPConfiguration) -> RESPError {
        let server = configuration.server
        var errors: [any Error] = [error]
        if let error = error as? NIOConnectionError {
            errors = error.connectionErrors.map(\.error)
            if errors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return .cannotConnect(server: server, reason: "the host name could not be resolved")
            }
        }
        for error in errors {
            if case ChannelError.connectTimeout = error { return .connectTimeout(server: server, timeout: configuration.connectTimeout) }
        }
        for error in errors {
            guard let error = error as? IOError else { continue }
            switch error.errnoCode {
            case ECONNREFUSED: return .cannotConnect(server: server, reason: "the connection was refused (is a server listening on that port?)")
            case ENETUNREACH, EHOSTUNREACH: return .cannotConnect(server: server, reason: "the network cannot reach it")
            case ETIMEDOUT: return .connectTimeout(server: server, timeout: configuration.connectTimeout)
            default: continue
            }
        }
        return .cannotConnect(server: server, reason: errors.first.map { "\($0)" } ?? "\(error)")
    }
}
