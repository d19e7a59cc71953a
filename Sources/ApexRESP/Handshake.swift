/// The commands that open a connection, and what their replies mean: a pure state machine the connection drives.
///
/// Asked for RESP3, it sends `HELLO 3` (with `AUTH user password` when there
/// is a password) and falls back to RESP2 when the server answers `NOPROTO`
/// or does not know `HELLO` (Redis before 6). In RESP2 it sends `AUTH` when
/// there is a password. Then `SELECT db` when the database is not 0.
struct Handshake: Sendable {
    enum Step: Equatable, Sendable {
        case send(RESPCommand)
        case done(RESPProtocol)
        case authenticationRefused(message: String)
        case refused(message: String)
    }

    private enum State: Sendable { case idle, hello, auth, select, done }

    let username: String?
    let password: String?
    let database: Int
    let requested: RESPProtocol
    private var state = State.idle
    private var negotiated = RESPProtocol.resp2

    init(username: String?, password: String?, database: Int, requested: RESPProtocol) {
        self.username = username
        self.password = password
        self.database = database
        self.requested = requested
    }

    init(_ configuration: RESPConfiguration) {
        self.init(
            username: configuration.username, password: configuration.password, database: configuration.database,
            requested: configuration.protocolVersion)
    }

    /// The first step.
    mutating func start() -> Step {
        guard requested == .resp3 else { return startRESP2() }
        state = .hello
        var arguments = ["HELLO", "3"]
        if let password { arguments += ["AUTH", username ?? "default", password] }
        return .send(RESPCommand(arguments))
    }

    /// The step after the server answered the last command sent.
    mutating func receive(_ reply: RESPValue) -> Step {
        let message = reply.errorMessage
        switch state {
        case .hello:
            if let message {
                if message.hasPrefix("NOPROTO") || message.lowercased().contains("unknown command") { return startRESP2() }
                if password != nil || message.hasPrefix("NOAUTH") || message.hasPrefix("WRONGPASS") {
                    return finish(.authenticationRefused(message: message))
                }
                return finish(.refused(message: message))
            }
            negotiated = reply["proto"]?.int == 2 ? .resp2 : .resp3
            return afterAuthentication()
        case .auth:
            if let message { return finish(.authenticationRefused(message: message)) }
            return afterAuthentication()
        case .select:
            if let message { return finish(.refused(message: message)) }
            return finish(.done(negotiated))
        case .idle, .done:
            return finish(.refused(message: "a reply came before the handshake began or after it ended"))
        }
    }

    private mutating func startRESP2() -> Step {
        negotiated = .resp2
        guard let password else { return afterAuthentication() }
        state = .auth
        return .send(RESPCommand(username.map { ["AUTH", $0, password] } ?? ["AUTH", password]))
    }

    private mutating func afterAuthentication() -> Step {
        guard database != 0 else { return finish(.done(negotiated)) }
        state = .select
        return .send(RESPCommand(["SELECT", String(database)]))
    }

    private mutating func finish(_ step: Step) -> Step {
        state = .done
        return step
    }
}
