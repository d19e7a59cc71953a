import Foundation
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=...` URL, checked and turned into PostgresNIO's configuration.
///
/// `sslmode` may be `disable` (the default on loopback hosts), `prefer`
/// (the default elsewhere) or `require`. `schema=NAME` keeps apex's tables
/// in that schema (created by the first migration run), with `public` after it on the search path for
/// the `vector` type. The password never appears in messages: the
/// description is what errors and logs print.
public struct PostgresURL: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let username: String
    public let password: String?
    public let database: String
    public let sslMode: String
    /// The schema apex's tables live in, nil for the server's default search path.
    public let schema: String?

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
        let schema = components.queryItems?.first(where: { $0.name == "schema" })?.value
        if let schema, !Self.isIdentifier(schema) {
            throw PostgresStoreError.badURL(url: Self.redact(text), reason: "schema \(schema) is not a lowercase SQL identifier (a-z, 0-9, _)")
        }
        self.schema = schema
    }

    /// This URL with `schema` set.
    public func with(schema: String) -> String {
        let password = password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        let user = username.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? username
        return "postgres://\(user)\(password)@\(host):\(port)/\(database)?sslmode=\(sslMode)&schema=\(schema)"
    }

    /// `[a-z_][a-z0-9_]*`, at most 63 bytes: a name that needs no quoting.
    public static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 63, first == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else {
            return false
        }
        return text.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// The server's address for messages.
    public var server: String { "\(host):\(port)" }

    /// The URL without its password.
    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(sslMode)" + (schema.map { "&schema=\($0)" } ?? "")
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
        if let schema { configuration.options.additionalStartupParameters.append(("search_path", "\(schema), public")) }
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
