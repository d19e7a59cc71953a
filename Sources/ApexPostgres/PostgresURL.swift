import Foundation
public import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=...` URL, checked and turned into PostgresNIO's configuration.
///
/// `sslmode` may be `disable` (the default on loopback hosts), `prefer`
/// (the default elsewhere) or `require`. The password never appears in
/// messages: ``redacted`` is what errors and logs print.
public struct PostgresURL: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let username: String
    public let password: String?
    public let database: String
    public let sslMode: String

    public init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw PostgresStoreError.badURL(url: Self.redact(text), reason: "it must look like postgres://user:password@host:5432/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresStoreError.badURL(url: Self.redact(text), reason: "it names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresStoreError.badURL(url: Self.redact(text), reason: "it names no user")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else {
            throw PostgresStoreError.badURL(url: Self.redact(text), reason: "it names no database")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw PostgresStoreError.badURL(url: Self.redact(text), reason: "port \(port) is out of range")
        }
        let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? (Self.isLoopback(host) ? "disable" : "prefer")
        guard ["disable", "prefer", "require"].contains(mode) else {
            throw PostgresStoreError.badURL(url: Self.redact(text), reason: "sslmode \(mode) is not disable, prefer or require")
        }
        self.host = host
        self.port = port
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.sslMode = mode
    }

    /// The server's address for messages.
    public var server: String { "\(host):\(port)" }

    /// The URL without its password.
    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(sslMode)"
    }

    func tls() throws -> PostgresClient.Configuration.TLS {
        switch sslMode {
        case "disable": return .disable
        case "require": return .require(.makeClientConfiguration())
        default: return .prefer(.makeClientConfiguration())
        }
    }

    func clientConfiguration(connectTimeout: Duration, maximumConnections: Int) throws -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: try tls())
        configuration.options.connectTimeout = connectTimeout
        configuration.options.maximumConnections = maximumConnections
        configuration.options.additionalStartupParameters = [("application_name", "apex")]
        return configuration
    }

    func connectionConfiguration(connectTimeout: Duration) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch sslMode {
            case "disable": .disable
            case "require": .require(try .init(configuration: .makeClientConfiguration()))
            default: .prefer(try .init(configuration: .makeClientConfiguration()))
            }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .init(connectTimeout)
        return configuration
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    static func redact(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }
}
