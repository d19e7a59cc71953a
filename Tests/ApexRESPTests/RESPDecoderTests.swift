@testable import ApexRESP
import NIOCore
import Testing

/// The decoder, fed the way a socket feeds it: whole, split at every byte boundary, one byte at a time, and hostile.
@Suite struct RESPDecoderTests {
    /// Feeds `chunks` one after another, as NIO's byte-to-message processor would, and collects every value decoded.
    static func decode(_ chunks: [[UInt8]], limits: RESPDecoder.Limits = RESPDecoder.Limits()) throws(RESPDecodingError) -> (values: [RESPValue], left: Int) {
        var decoder = RESPDecoder(limits: limits)
        var buffer = ByteBuffer()
        var values: [RESPValue] = []
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let value = try decoder.next(from: &buffer) { values.append(value) }
            buffer.discardReadBytes()
        }
        return (values, buffer.readableBytes)
    }

    static func bytes(_ wire: String) -> [UInt8] { Array(wire.utf8) }

    @Test(arguments: DecoderSamples.all.map(\.name))
    func decodesWhole(_ name: String) throws {
        let sample = try #require(DecoderSamples.all.first { $0.name == name })
        let (values, left) = try Self.decode([Self.bytes(sample.wire)])
        #expect(values == [sample.value])
        #expect(left == 0)
    }

    @Test(arguments: DecoderSamples.all.map(\.name))
    func decodesSplitAtEveryByteBoundary(_ name: String) throws {
        let sample = try #require(DecoderSamples.all.first { $0.name == name })
        let wire = Self.bytes(sample.wire)
        for split in 0...wire.count {
            var decoder = RESPDecoder()
            var buffer = ByteBuffer(bytes: wire[..<split])
            let early = try decoder.next(from: &buffer)
            if split < wire.count {
                #expect(early == nil, "a value came out of \(split) of \(wire.count) bytes")
                buffer.writeBytes(wire[split...])
                #expect(try decoder.next(from: &buffer) == sample.value, "split at \(split)")
            } else {
                #expect(early == sample.value)
            }
            #expect(buffer.readableBytes == 0)
            #expect(try decoder.next(from: &buffer) == nil)
            #expect(!decoder.isMidValue)
        }
    }

    @Test func decodesEverySampleFedOneByteAtATime() throws {
        let wire = DecoderSamples.all.flatMap { Self.bytes($0.wire) }
        let (values, left) = try Self.decode(wire.map { [$0] })
        #expect(values == DecoderSamples.all.map(\.value))
        #expect(left == 0)
    }

    @Test func decodesManyValuesInOneChunk() throws {
        let wire = DecoderSamples.all.flatMap { Self.bytes($0.wire) }
        let (values, left) = try Self.decode([wire])
        #expect(values == DecoderSamples.all.map(\.value))
        #expect(left == 0)
    }

    @Test(arguments: DecoderSamples.all.map(\.name))
    func encoderWritesWhatTheDecoderReads(_ name: String) throws {
        let sample = try #require(DecoderSamples.all.first { $0.name == name })
        var buffer = ByteBuffer()
        RESPEncoder.encode(sample.value, into: &buffer)
        var decoder = RESPDecoder()
        #expect(try decoder.next(from: &buffer) == sample.value)
        #expect(buffer.readableBytes == 0)
    }

    @Test func nanIsADouble() throws {
        let (values, _) = try Self.decode([Self.bytes(",nan\r\n")])
        guard case .double(let number) = values.first else {
            Issue.record("nan did not decode to a double")
            return
        }
        #expect(number.isNaN)
    }

    @Test func aLongAggregateArrivingInPiecesIsReadOnce() throws {
        let count = 20_000
        var wire = Self.bytes("*\(count)\r\n")
        for index in 0..<count { wire += Self.bytes(":\(index)\r\n") }
        let chunks = stride(from: 0, to: wire.count, by: 7).map { Array(wire[$0..<min($0 + 7, wire.count)]) }
        let (values, left) = try Self.decode(chunks)
        #expect(values == [.array((0..<count).map { .integer(Int64($0)) })])
        #expect(left == 0)
    }

    /// Bytes that are no RESP, and the error each must give: never a crash, never a value.
    static let malformed: [(name: String, wire: String, error: RESPDecodingError)] = [
        ("unknown type", "?3\r\n", .unknownType(UInt8(ascii: "?"))),
        ("streamed string", "$?\r\n;4\r\nHell\r\n;0\r\n", .invalidLength(type: "bulk string")),
        ("streamed end", ".\r\n", .unknownType(UInt8(ascii: "."))),
        ("bare CR", "\r\n", .unknownType(0x0D)),
        ("inline command", "PING\r\n", .unknownType(UInt8(ascii: "P"))),
        ("integer with letters", ":12a\r\n", .invalidInteger),
        ("empty integer", ":\r\n", .invalidInteger),
        ("sign only", ":-\r\n", .invalidInteger),
        ("integer overflow", ":9223372036854775808\r\n", .invalidInteger),
        ("integer underflow", ":-9223372036854775809\r\n", .invalidInteger),
        ("CR without LF", "+OK\rX", .missingCRLF),
        ("bulk length not a number", "$x\r\n", .invalidLength(type: "bulk string")),
        ("negative bulk length", "$-2\r\n", .invalidLength(type: "bulk string")),
        ("null bulk error", "!-1\r\n", .invalidLength(type: "bulk error")),
        ("bulk string longer than announced", "$2\r\nabc\r\n", .missingCRLF),
        ("bulk string without CRLF", "$3\r\nabcde", .missingCRLF),
        ("negative array count", "*-2\r\n", .invalidLength(type: "array")),
        ("null map", "%-1\r\n", .invalidLength(type: "map")),
        ("null set", "~-1\r\n", .invalidLength(type: "set")),
        ("array count overflow", "*99999999999999999999\r\n", .invalidLength(type: "array")),
        ("non-empty null", "_x\r\n", .invalidNull),
        ("boolean yes", "#y\r\n", .invalidBoolean),
        ("boolean too long", "#tt\r\n", .invalidBoolean),
        ("double with letters", ",1.5x\r\n", .invalidDouble),
        ("empty double", ",\r\n", .invalidDouble),
        ("double as hex", ",0x1p3\r\n", .invalidDouble),
        ("big number with a dot", "(1.5\r\n", .invalidBigNumber),
        ("empty big number", "(\r\n", .invalidBigNumber),
        ("verbatim without format", "=3\r\ntxt\r\n", .invalidVerbatimString),
        ("verbatim without colon", "=5\r\ntxt-a\r\n", .invalidVerbatimString),
        ("malformed element deep inside", "*2\r\n:1\r\n*1\r\n%1\r\n+k\r\n:x\r\n", .invalidInteger),
    ]

    @Test(arguments: malformed.map(\.name))
    func malformedInputIsATypedError(_ name: String) throws {
        let sample = try #require(Self.malformed.first { $0.name == name })
        #expect(throws: sample.error) { try Self.decode([Self.bytes(sample.wire)]) }
        // The same error whatever the pieces the bytes come in.
        #expect(throws: sample.error) { try Self.decode(Self.bytes(sample.wire).map { [$0] }) }
    }

    @Test func aFailedDecoderStaysFailed() throws {
        var decoder = RESPDecoder()
        var buffer = ByteBuffer(string: "?\r\n+OK\r\n")
        #expect(throws: RESPDecodingError.unknownType(UInt8(ascii: "?"))) { try decoder.next(from: &buffer) }
        var fresh = ByteBuffer(string: "+OK\r\n")
        #expect(throws: RESPDecodingError.unknownType(UInt8(ascii: "?"))) { try decoder.next(from: &fresh) }
    }

    @Test func nestingDeeperThanTheLimitIsRefused() throws {
        let limits = RESPDecoder.Limits(maxDepth: 8)
        let within = String(repeating: "*1\r\n", count: 8) + ":1\r\n"
        #expect(try Self.decode([Self.bytes(within)], limits: limits).values.count == 1)
        let beyond = String(repeating: "*1\r\n", count: 9) + ":1\r\n"
        #expect(throws: RESPDecodingError.tooDeep(limit: 8)) { try Self.decode([Self.bytes(beyond)], limits: limits) }
        // The default limit holds against a server that nests without end: an error, not a stack overflow.
        let endless = [UInt8](String(repeating: "*1\r\n", count: 100_000).utf8)
        #expect(throws: RESPDecodingError.tooDeep(limit: 64)) { try Self.decode([endless]) }
        #expect(throws: RESPDecodingError.tooDeep(limit: 8)) { try Self.decode([Self.bytes(String(repeating: "|1\r\n+a\r\n+b\r\n", count: 9) + ":1\r\n")], limits: limits) }
    }

    @Test func aStringLongerThanTheLimitIsRefusedBeforeItsBytesArrive() throws {
        let limits = RESPDecoder.Limits(maxBlobLength: 1024)
        #expect(try Self.decode([Self.bytes("$1024\r\n" + String(repeating: "a", count: 1024) + "\r\n")], limits: limits).values.count == 1)
        #expect(throws: RESPDecodingError.blobTooLong(length: 1025, limit: 1024)) { try Self.decode([Self.bytes("$1025\r\n")], limits: limits) }
        #expect(throws: RESPDecodingError.blobTooLong(length: 2048, limit: 1024)) { try Self.decode([Self.bytes("!2048\r\n")], limits: limits) }
        #expect(throws: RESPDecodingError.blobTooLong(length: 4096, limit: 1024)) { try Self.decode([Self.bytes("=4096\r\n")], limits: limits) }
        // The default limit: a server announcing 8 EiB gets an error, not an allocation.
        #expect(throws: RESPDecodingError.blobTooLong(length: Int.max, limit: 64 << 20)) { try Self.decode([Self.bytes("$9223372036854775807\r\n")]) }
    }

    @Test func anAggregateLongerThanTheLimitIsRefused() throws {
        let limits = RESPDecoder.Limits(maxAggregateCount: 3)
        #expect(try Self.decode([Self.bytes("*3\r\n:1\r\n:2\r\n:3\r\n")], limits: limits).values.count == 1)
        #expect(throws: RESPDecodingError.aggregateTooLong(count: 4, limit: 3)) { try Self.decode([Self.bytes("*4\r\n")], limits: limits) }
        #expect(throws: RESPDecodingError.aggregateTooLong(count: 4, limit: 3)) { try Self.decode([Self.bytes("%4\r\n")], limits: limits) }
        #expect(throws: RESPDecodingError.aggregateTooLong(count: Int.max, limit: 1 << 24)) { try Self.decode([Self.bytes("*9223372036854775807\r\n")]) }
    }

    @Test func aLineLongerThanTheLimitIsRefusedWithoutWaitingForItsEnd() throws {
        let limits = RESPDecoder.Limits(maxLineLength: 16)
        #expect(try Self.decode([Self.bytes("+" + String(repeating: "a", count: 16) + "\r\n")], limits: limits).values.count == 1)
        let endless = Self.bytes("+" + String(repeating: "a", count: 100))
        #expect(throws: RESPDecodingError.lineTooLong(limit: 16)) { try Self.decode([endless], limits: limits) }
        #expect(throws: RESPDecodingError.lineTooLong(limit: 16)) { try Self.decode(endless.map { [$0] }, limits: limits) }
        #expect(throws: RESPDecodingError.lineTooLong(limit: 16)) { try Self.decode([Self.bytes(":" + String(repeating: "1", count: 40) + "\r\n")], limits: limits) }
    }

    @Test func randomBytesNeverCrashTheDecoder() throws {
        var generator = SplitMix64(seed: 0x5EED)
        let alphabet = Self.bytes("+-:$*_#,(!=%~>|\r\n0123456789-?tfabc")
        var errors = 0
        var values = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 1...40, using: &generator)
            let input = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
            let limits = RESPDecoder.Limits(maxDepth: 4, maxBlobLength: 64, maxAggregateCount: 16, maxLineLength: 32)
            do {
                values += try Self.decode([input], limits: limits).values.count
            } catch {
                errors += 1
            }
        }
        // Most random inputs are malformed; some are values. Neither crashed.
        #expect(errors > 0)
        #expect(values > 0)
    }
}

/// A small deterministic random number generator, so that a failing random input can be found again.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
