@testable import ApexRESP
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

/// The channel handler on an embedded channel: replies matched to commands in order, without a socket.
@Suite struct RESPChannelHandlerTests {
    static let server = "test:6379"

    /// An active embedded channel with the handler, and the handler itself.
    static func channel(limits: RESPDecoder.Limits = RESPDecoder.Limits()) throws -> (EmbeddedChannel, RESPChannelHandler) {
        let handler = RESPChannelHandler(server: server, limits: limits, logger: Logger(label: "test"))
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        return (channel, handler)
    }

    /// What became of a request's promise.
    final class Outcome: Sendable {
        private let state = Mutex<Result<[RESPValue], any Error>?>(nil)

        init(_ future: EventLoopFuture<[RESPValue]>) {
            future.whenComplete { result in self.state.withLock { $0 = result } }
        }

        var result: Result<[RESPValue], any Error>? { state.withLock { $0 } }
        var replies: [RESPValue]? { try? result?.get() }
        var error: (any Error)? {
            guard case .failure(let error) = result else { return nil }
            return error
        }
    }

    static func send(_ commands: [[String]], on channel: EmbeddedChannel, _ handler: RESPChannelHandler, timeout: Duration = .seconds(10)) -> Outcome {
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        handler.enqueue(RESPChannelHandler.Request(commands: commands.map(RESPCommand.init), promise: promise, timeout: timeout))
        return Outcome(promise.futureResult)
    }

    static func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    static func receive(_ text: String, on channel: EmbeddedChannel) throws {
        try channel.writeInbound(ByteBuffer(string: text))
    }

    @Test func repliesAreMatchedInOrderEvenWhenTheyArriveInPieces() throws {
        let (channel, handler) = try Self.channel()
        let first = Self.send([["GET", "a"]], on: channel, handler)
        let second = Self.send([["INCR", "b"], ["INCR", "b"]], on: channel, handler)
        let third = Self.send([["PING"]], on: channel, handler)
        #expect(try Self.written(channel) == "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$4\r\nINCR\r\n$1\r\nb\r\n*2\r\n$4\r\nINCR\r\n$1\r\nb\r\n*1\r\n$4\r\nPING\r\n")
        for piece in ["$1\r", "\nx\r\n:1", "\r\n:2\r\n+PO", "NG\r\n"] { try Self.receive(piece, on: channel) }
        #expect(first.replies == [.bulk("x")])
        #expect(second.replies == [.integer(1), .integer(2)])
        #expect(third.replies == [.simpleString("PONG")])
        #expect(channel.isActive)
    }

    @Test func anErrorReplyIsAReplyLikeAnyOther() throws {
        let (channel, handler) = try Self.channel()
        let outcome = Self.send([["LPUSH", "k", "v"], ["PING"]], on: channel, handler)
        try Self.receive("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n+PONG\r\n", on: channel)
        #expect(outcome.replies == [.error("WRONGTYPE Operation against a key holding the wrong kind of value"), .simpleString("PONG")])
        #expect(channel.isActive)
    }

    @Test func pushMessagesAreNotReplies() throws {
        let (channel, handler) = try Self.channel()
        let first = Self.send([["SET", "k", "2"]], on: channel, handler)
        let second = Self.send([["DEL", "k"]], on: channel, handler)
        try Self.receive(">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n+OK\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n:1\r\n", on: channel)
        #expect(first.replies == [.simpleString("OK")])
        #expect(second.replies == [.integer(1)])
        #expect(handler.pushCount == 2)
        // A push message with nothing pending is set aside too.
        try Self.receive(">1\r\n+x\r\n", on: channel)
        #expect(channel.isActive)
    }

    @Test func aReplyNobodyAskedForClosesTheConnection() throws {
        let (channel, handler) = try Self.channel()
        try Self.receive("+OK\r\n", on: channel)
        #expect(!channel.isActive)
        let late = Self.send([["PING"]], on: channel, handler)
        #expect(late.error is NotWritten)
    }

    @Test func malformedBytesFailEveryPendingRequestAndClose() throws {
        let (channel, handler) = try Self.channel()
        let first = Self.send([["PING"]], on: channel, handler)
        let second = Self.send([["PING"]], on: channel, handler)
        try Self.receive("?what\r\n", on: channel)
        #expect(first.error as? RESPError == .protocolError(server: Self.server, reason: .unknownType(UInt8(ascii: "?"))))
        #expect(second.error as? RESPError == .protocolError(server: Self.server, reason: .unknownType(UInt8(ascii: "?"))))
        #expect(!channel.isActive)
    }

    @Test func aReplyOverTheLimitsFailsInsteadOfBuffering() throws {
        let (channel, handler) = try Self.channel(limits: RESPDecoder.Limits(maxBlobLength: 8))
        let outcome = Self.send([["GET", "big"]], on: channel, handler)
        try Self.receive("$1000000000\r\n", on: channel)
        #expect(outcome.error as? RESPError == .protocolError(server: Self.server, reason: .blobTooLong(length: 1_000_000_000, limit: 8)))
        #expect(!channel.isActive)
    }

    @Test func aLateReplyTimesOutAndClosesTheConnection() throws {
        let (channel, handler) = try Self.channel()
        let slow = Self.send([["BLPOP", "k", "0"]], on: channel, handler, timeout: .seconds(2))
        let queued = Self.send([["PING"]], on: channel, handler, timeout: .seconds(30))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1999))
        #expect(slow.result == nil)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(slow.error as? RESPError == .replyTimeout(server: Self.server, timeout: .seconds(2)))
        // Behind a late reply nothing can be matched any more: the queued command fails too.
        #expect(queued.error as? RESPError == .replyTimeout(server: Self.server, timeout: .seconds(2)))
        #expect(!channel.isActive)
    }

    @Test func aReplyInTimeCancelsItsTimer() throws {
        let (channel, handler) = try Self.channel()
        let outcome = Self.send([["PING"]], on: channel, handler, timeout: .seconds(1))
        try Self.receive("+PONG\r\n", on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(outcome.replies == [.simpleString("PONG")])
        #expect(channel.isActive)
    }

    @Test func aClosedConnectionFailsWhatIsPendingAndRefusesWhatComesAfter() throws {
        let (channel, handler) = try Self.channel()
        let pending = Self.send([["PING"]], on: channel, handler)
        try Self.receive("+PO", on: channel)
        channel.pipeline.fireChannelInactive()
        #expect(pending.error as? RESPError == .connectionClosed(server: Self.server))
        let after = Self.send([["PING"]], on: channel, handler)
        #expect(after.error is NotWritten)
    }

    @Test func aConnectionClosedBeforeAnyReplyByteSaysSoAndMayBeSentAgain() throws {
        let (channel, handler) = try Self.channel()
        let answered = Self.send([["PING"]], on: channel, handler)
        try Self.receive("+PONG\r\n", on: channel)
        let first = Self.send([["INCR", "k"]], on: channel, handler)
        let second = Self.send([["INCR", "k"]], on: channel, handler)
        channel.pipeline.fireChannelInactive()
        #expect(answered.replies == [.simpleString("PONG")])
        #expect(first.error is ClosedBeforeReply)
        #expect(second.error is ClosedBeforeReply)
    }

    @Test func aConnectionClosedAfterPartOfAReplyIsNotSentAgain() throws {
        let (channel, handler) = try Self.channel()
        let first = Self.send([["INCR", "k"], ["INCR", "k"]], on: channel, handler)
        let second = Self.send([["INCR", "k"]], on: channel, handler)
        try Self.receive(":1\r\n", on: channel)
        channel.pipeline.fireChannelInactive()
        #expect(first.error as? RESPError == .connectionClosed(server: Self.server))
        #expect(second.error as? RESPError == .connectionClosed(server: Self.server))
    }

    @Test func anEmptyRequestIsAnsweredAtOnce() throws {
        let (channel, handler) = try Self.channel()
        let outcome = Self.send([], on: channel, handler)
        #expect(outcome.replies == [])
        #expect(try Self.written(channel) == "")
    }

    @Test func aThousandPipelinedCommandsGetTheirOwnReplies() throws {
        let (channel, handler) = try Self.channel()
        let outcome = Self.send((1...1000).map { ["ECHO", "\($0)"] }, on: channel, handler)
        let replies = (1...1000).map { "$\(String($0).utf8.count)\r\n\($0)\r\n" }.joined()
        let bytes = Array(replies.utf8)
        for start in stride(from: 0, to: bytes.count, by: 1000) {
            try channel.writeInbound(ByteBuffer(bytes: bytes[start..<min(start + 1000, bytes.count)]))
        }
        #expect(outcome.replies == (1...1000).map { .bulk("\($0)") })
    }
}
