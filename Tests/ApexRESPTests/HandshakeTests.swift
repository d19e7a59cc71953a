@testable import ApexRESP
import Testing

/// The opening of a connection, step by step, without a server.
@Suite struct HandshakeTests {
    static let helloReply = RESPValue.map([.init(key: .bulk("server"), value: .bulk("redis")), .init(key: .bulk("proto"), value: .integer(3))])

    @Test func resp3WithoutCredentialsIsOneHello() {
        var handshake = Handshake(username: nil, password: nil, database: 0, requested: .resp3)
        #expect(handshake.start() == .send(RESPCommand(["HELLO", "3"])))
        #expect(handshake.receive(Self.helloReply) == .done(.resp3))
    }

    @Test func resp3WithCredentialsAndADatabase() {
        var handshake = Handshake(username: "app", password: "pw", database: 2, requested: .resp3)
        #expect(handshake.start() == .send(RESPCommand(["HELLO", "3", "AUTH", "app", "pw"])))
        #expect(handshake.receive(Self.helloReply) == .send(RESPCommand(["SELECT", "2"])))
        #expect(handshake.receive(.simpleString("OK")) == .done(.resp3))
    }

    @Test func aPasswordAloneLogsInAsTheDefaultUser() {
        var handshake = Handshake(username: nil, password: "pw", database: 0, requested: .resp3)
        #expect(handshake.start() == .send(RESPCommand(["HELLO", "3", "AUTH", "default", "pw"])))
    }

    @Test func aServerWithoutRESP3FallsBackToRESP2() {
        for refusal in ["NOPROTO unsupported protocol version", "ERR unknown command 'HELLO', with args beginning with: '3'"] {
            var handshake = Handshake(username: "app", password: "pw", database: 1, requested: .resp3)
            _ = handshake.start()
            #expect(handshake.receive(.error(refusal)) == .send(RESPCommand(["AUTH", "app", "pw"])))
            #expect(handshake.receive(.simpleString("OK")) == .send(RESPCommand(["SELECT", "1"])))
            #expect(handshake.receive(.simpleString("OK")) == .done(.resp2))
        }
    }

    @Test func resp2SendsAuthThenSelect() {
        var handshake = Handshake(username: nil, password: "pw", database: 5, requested: .resp2)
        #expect(handshake.start() == .send(RESPCommand(["AUTH", "pw"])))
        #expect(handshake.receive(.simpleString("OK")) == .send(RESPCommand(["SELECT", "5"])))
        #expect(handshake.receive(.simpleString("OK")) == .done(.resp2))
    }

    @Test func resp2WithNothingToSayIsDoneAtOnce() {
        var handshake = Handshake(username: nil, password: nil, database: 0, requested: .resp2)
        #expect(handshake.start() == .done(.resp2))
    }

    @Test func refusedCredentialsAreAnAuthenticationError() {
        var hello = Handshake(username: "app", password: "bad", database: 0, requested: .resp3)
        _ = hello.start()
        #expect(hello.receive(.error("WRONGPASS invalid username-password pair")) == .authenticationRefused(message: "WRONGPASS invalid username-password pair"))

        var auth = Handshake(username: nil, password: "bad", database: 0, requested: .resp2)
        _ = auth.start()
        #expect(auth.receive(.error("ERR AUTH <password> called without any password configured")) == .authenticationRefused(message: "ERR AUTH <password> called without any password configured"))

        var missing = Handshake(username: nil, password: nil, database: 0, requested: .resp3)
        _ = missing.start()
        #expect(missing.receive(.error("NOAUTH HELLO must be called with the client already authenticated")) == .authenticationRefused(message: "NOAUTH HELLO must be called with the client already authenticated"))
    }

    @Test func aRefusedSelectIsAServerError() {
        var handshake = Handshake(username: nil, password: nil, database: 99, requested: .resp2)
        #expect(handshake.start() == .send(RESPCommand(["SELECT", "99"])))
        #expect(handshake.receive(.error("ERR DB index is out of range")) == .refused(message: "ERR DB index is out of range"))
    }

    @Test func aRESP2ReplyToHelloSettlesOnRESP2() {
        var handshake = Handshake(username: nil, password: nil, database: 0, requested: .resp3)
        _ = handshake.start()
        #expect(handshake.receive(.array([.bulk("proto"), .integer(2)])) == .done(.resp2))
    }
}
