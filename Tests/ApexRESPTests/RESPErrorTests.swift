import ApexRESP
import Testing

/// Errors read as sentences naming the server, and tell an unreachable server from a wrong request.
@Suite struct RESPErrorTests {
    static let server = "db.example:6379"

    static let all: [RESPError] = [
        .cannotConnect(server: server, reason: "the connection was refused (is a server listening on that port?)"),
        .connectTimeout(server: server, timeout: .seconds(5)),
        .replyTimeout(server: server, timeout: .milliseconds(250)),
        .connectionClosed(server: server),
        .noFreeConnection(server: server, timeout: .seconds(10)),
        .protocolError(server: server, reason: .invalidInteger),
        .unexpectedReply(server: server),
        .serverError(server: server, message: "WRONGTYPE Operation against a key holding the wrong kind of value"),
        .authenticationRefused(server: server, message: "WRONGPASS invalid username-password pair"),
        .clientShutDown(server: server),
    ]

    @Test func everyDescriptionNamesTheServer() {
        for error in Self.all {
            #expect(error.description.contains(Self.server), "\(error)")
            #expect(!error.description.hasSuffix("."), "\(error)")
        }
    }

    @Test func serverUnavailableIsTrueForConnectivityOnly() {
        let unavailable = Self.all.filter(\.serverUnavailable).map { "\($0)" }
        #expect(unavailable.count == 6)
        #expect(!RESPError.serverError(server: Self.server, message: "ERR").serverUnavailable)
        #expect(!RESPError.protocolError(server: Self.server, reason: .invalidNull).serverUnavailable)
        #expect(!RESPError.authenticationRefused(server: Self.server, message: "x").serverUnavailable)
        #expect(RESPError.noFreeConnection(server: Self.server, timeout: .seconds(1)).serverUnavailable)
        #expect(RESPError.connectTimeout(server: Self.server, timeout: .seconds(1)).serverUnavailable)
    }

    @Test func durationsReadAsSeconds() {
        #expect(RESPError.connectTimeout(server: Self.server, timeout: .seconds(5)).description.contains("within 5 s"))
        #expect(RESPError.replyTimeout(server: Self.server, timeout: .milliseconds(250)).description.contains("within 0.25 s"))
    }

    @Test func descriptionsLeaveOutWhereServersQuoteTheRequest() {
        let falkor = RESPError.serverError(
            server: Self.server, message: "errMsg: Invalid input 'y': expected RETURN line: 1, column: 13 errCtx: RETURN secret-value errCtxOffset: 12")
        #expect(falkor.serverMessage?.contains("secret-value") == true)
        #expect(!falkor.description.contains("secret-value"))
        #expect(falkor.description.contains("errMsg: Invalid input"))
        let redis = RESPError.serverError(server: Self.server, message: "ERR unknown command 'FOO', with args beginning with: 'secret-value' ")
        #expect(!redis.description.contains("secret-value"))
        #expect(redis.description.contains("ERR unknown command 'FOO'"))
        #expect(redis.serverErrorCode == "ERR")
    }
}
