/// A `redis://` or `falkordb://` URL, checked: where the server is, who logs in, and the database or graph.
///
/// - `redis://[user[:password]@]host[:port][/db]`: `db` is the logical database index (0 when absent).
/// - `falkordb://[user[:password]@]host[:port][/graph]`: `graph` names the graph key (nil when absent).
///
/// The port defaults to 6379; an IPv6 host is written in brackets
/// (`redis://[::1]:6379`); the user and password are percent-decoded, and an
/// empty user with a password (`redis://:secret@host`) means the `default`
/// user. The password never appears in messages: ``description`` hides it.
public struct RESPURL: Sendable, Hashable, CustomStringConvertible {
    /// The schemes understood: plain Redis, or a FalkorDB server (a Redis server with the graph module).
    public enum Scheme: String, Sendable, Hashable {
        case redis
        case falkordb
    }

    public let scheme: Scheme
    public let host: String
    public let port: Int
    public let username: String?
    public let password: String?
    /// The logical database index (always 0 for `falkordb://`, whose path names a graph).
    public let database: Int
    /// The graph a `falkordb://` URL names; nil for `redis://`.
    public let graph: String?

    public init(_ text: String) throws(RESPURLError) {
        let shown = Self.redacted(text)
        guard let schemeEnd = text.firstRange(of: "://") else { throw .malformed(url: shown) }
        let schemeText = text[..<schemeEnd.lowerBound].lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else { throw .badScheme(url: shown, scheme: String(schemeText)) }
        var rest = text[schemeEnd.upperBound...]
        if rest[(rest.lastIndex(of: "@") ?? rest.startIndex)...].contains(where: { $0 == "?" || $0 == "#" }) { throw .queryNotSupported(url: shown) }

        // The authority ends at the first slash after the credentials (a password may hold an unescaped slash).
        var path: Substring = ""
        let afterCredentials = rest.lastIndex(of: "@").map { rest.index(after: $0) } ?? rest.startIndex
        if let slash = rest[afterCredentials...].firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var authority = rest
        var username: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            let user: Substring
            if let colon = userInfo.firstIndex(of: ":") {
                user = userInfo[..<colon]
                guard let decoded = Self.percentDecoded(userInfo[userInfo.index(after: colon)...]) else { throw .badPercentEncoding(url: shown) }
                password = decoded
            } else {
                user = userInfo
            }
            guard let decodedUser = Self.percentDecoded(user) else { throw .badPercentEncoding(url: shown) }
            username = decodedUser.isEmpty ? nil : decodedUser
        }

        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .malformed(url: shown) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .malformed(url: shown) }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw .noHost(url: shown) }
        var port = 6379
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number), portText.allSatisfy(\.isASCII) else {
                throw .badPort(url: shown, port: String(portText))
            }
            port = number
        }

        var database = 0
        var graph: String?
        switch scheme {
        case .redis:
            if !path.isEmpty {
                guard let number = Int(path), number >= 0, path.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw .badDatabase(url: shown, database: String(path))
                }
                database = number
            }
        case .falkordb:
            if !path.isEmpty {
                guard let decoded = Self.percentDecoded(path), !decoded.contains("/") else { throw .badGraph(url: shown) }
                graph = decoded
            }
        }

        self.scheme = scheme
        self.host = String(host)
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.graph = graph
    }

    /// The URL with the password hidden.
    public var description: String {
        let user = username.map { Self.percentEncoded($0) } ?? ""
        let credentials = username == nil && password == nil ? "" : "\(user)\(password == nil ? "" : ":***")@"
        let hostText = host.contains(":") ? "[\(host)]" : host
        let path: String
        switch scheme {
        case .redis: path = database == 0 ? "" : "/\(database)"
        case .falkordb: path = graph.map { "/" + Self.percentEncoded($0) } ?? ""
        }
        return "\(scheme.rawValue)://\(credentials)\(hostText):\(port)\(path)"
    }

    /// The server's address as messages name it.
    public var server: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `text` with whatever stands between the first `:` after the scheme and the last `@` replaced by `***`.
    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text }
        guard let schemeEnd = text.firstRange(of: "://"), schemeEnd.upperBound <= at else { return "(a URL with credentials)" }
        guard let colon = text[schemeEnd.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[...colon]) + "***" + String(text[at...])
    }

    /// `%XX` escapes turned into bytes, read as UTF-8; nil when an escape is broken or the bytes are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `text` with every byte but unreserved ones (`A-Z a-z 0-9 - . _ ~`) written as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-._~".unicodeScalars.contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else {
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}

/// Why a `redis://` or `falkordb://` URL is not usable. Each case reads as one sentence; the password never appears.
public enum RESPURLError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(url: String)
    case badScheme(url: String, scheme: String)
    case queryNotSupported(url: String)
    case badPercentEncoding(url: String)
    case noHost(url: String)
    case badPort(url: String, port: String)
    case badDatabase(url: String, database: String)
    case badGraph(url: String)

    public var description: String {
        switch self {
        case .malformed(let url):
            "the URL \(url) is not usable: it must look like redis://user:password@host:6379/0 or falkordb://host:6379/graph"
        case .badScheme(let url, let scheme):
            "the URL \(url) is not usable: its scheme \(scheme) is neither redis nor falkordb"
        case .queryNotSupported(let url):
            "the URL \(url) is not usable: it has a query or fragment (?... or #...), which is not supported"
        case .badPercentEncoding(let url):
            "the URL \(url) is not usable: a %-escape in its user, password or graph is broken or not UTF-8"
        case .noHost(let url):
            "the URL \(url) is not usable: it names no host"
        case .badPort(let url, let port):
            "the URL \(url) is not usable: its port \(port) is not a number from 1 to 65535"
        case .badDatabase(let url, let database):
            "the URL \(url) is not usable: its database \(database) is not a non-negative integer"
        case .badGraph(let url):
            "the URL \(url) is not usable: its graph name holds a slash or a broken %-escape"
        }
    }
}
