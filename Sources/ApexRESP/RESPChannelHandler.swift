import Logging
import NIOCore

/// The NIO handler of one connection: writes commands, reads replies, and hands each reply to the command it answers.
///
/// Replies come back in the order commands were written, so pending
/// requests wait in a FIFO queue: many commands may be in flight on one
/// connection (pipelining). RESP3 push messages are out-of-band, never
/// replies, and are set aside. Every request has a timer; when a reply is
/// late, or the bytes are malformed, or a reply comes that nothing asked
/// for, every pending request fails and the connection is closed: after any
/// of those the stream cannot be trusted to match replies to commands. When
/// the server closes the connection before a single byte of the next reply
/// came (it dropped an idle connection, or was restarted), the pending
/// requests fail with ``ClosedBeforeReply``, which the client may send
/// again on a new connection. Only ever used on its channel's event loop.
final class RESPChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Commands to write as one batch, and the promise of their replies (one each, in order).
    struct Request: Sendable {
        let commands: [RESPCommand]
        let promise: EventLoopPromise<[RESPValue]>
        let timeout: Duration
    }

    private struct Pending {
        let promise: EventLoopPromise<[RESPValue]>
        let expected: Int
        let timer: Scheduled<Void>
    }

    private let server: String
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var closed = false
    private var pending = CircularBuffer<Pending>()
    /// The replies read so far for the request at the head of `pending`.
    private var collected: [RESPValue] = []
    private var decoder: RESPDecoder
    /// Bytes read and not yet decoded.
    private var inbound = ByteBuffer()
    /// How many push messages were set aside.
    private(set) var pushCount = 0

    init(server: String, limits: RESPDecoder.Limits, logger: Logger) {
        self.server = server
        self.logger = logger
        self.decoder = RESPDecoder(limits: limits)
    }

    /// Writes the request's commands, or fails it with ``NotWritten`` when the connection is known to be closed.
    func enqueue(_ request: Request) {
        guard let context, !closed, context.channel.isActive else {
            request.promise.fail(NotWritten())
            return
        }
        guard !request.commands.isEmpty else {
            request.promise.succeed([])
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: request.commands.reduce(0) { $0 + $1.encodedLength })
        for command in request.commands { RESPEncoder.encode(command, into: &buffer) }
        let (timeout, server) = (request.timeout, self.server)
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [weak self] in
            guard let self else { return }
            self.shut(.replyTimeout(server: server, timeout: timeout))
        }
        pending.append(Pending(promise: request.promise, expected: request.commands.count, timer: timer))
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        lost()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        lost()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("RESP connection failed", metadata: ["resp.server": "\(server)", "error": "\(error)"])
        lost()
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed else { return }
        var incoming = unwrapInboundIn(data)
        if inbound.readableBytes == 0 {
            inbound = incoming
        } else {
            inbound.writeBuffer(&incoming)
        }
        do {
            while !closed, let value = try decoder.next(from: &inbound) { try receive(value) }
        } catch let error as RESPDecodingError {
            shut(.protocolError(server: server, reason: error))
        } catch let error as RESPError {
            shut(error)
        } catch {
            shut(.connectionClosed(server: server))
        }
        if inbound.readerIndex > 4096, inbound.readerIndex > inbound.readableBytes { inbound.discardReadBytes() }
    }

    /// The connection went away under the requests: if nothing of the next reply came, nothing was answered.
    private func lost() {
        guard !closed else { return }
        closed = true
        let answeredInPart = !collected.isEmpty || inbound.readableBytes > 0 || decoder.isMidValue
        failAll(answeredInPart ? RESPError.connectionClosed(server: server) : ClosedBeforeReply(server: server))
    }

    private func receive(_ value: RESPValue) throws(RESPError) {
        guard !closed else { return }
        if value.isPush {
            pushCount += 1
            logger.trace("RESP push message set aside", metadata: ["resp.server": "\(server)"])
            return
        }
        guard let head = pending.first else { throw .unexpectedReply(server: server) }
        collected.append(value)
        guard collected.count == head.expected else { return }
        pending.removeFirst()
        head.timer.cancel()
        let replies = collected
        collected = []
        head.promise.succeed(replies)
    }

    /// Fails every pending request with `error` and closes the connection.
    private func shut(_ error: RESPError) {
        guard !closed else { return }
        closed = true
        failAll(error)
        context?.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        collected = []
        while let request = pending.popFirst() {
            request.timer.cancel()
            request.promise.fail(error)
        }
    }

}

/// A request that was never written because its connection was already closed: safe to send again on another.
struct NotWritten: Error {}

/// A request whose connection closed before any byte of its reply came: the server most likely never read it.
///
/// "Most likely": a server that ran the command and then dropped the
/// connection before its reply left (`CLIENT KILL` at that very moment)
/// looks the same. The client sends such a request once more.
struct ClosedBeforeReply: Error {
    let server: String
}
