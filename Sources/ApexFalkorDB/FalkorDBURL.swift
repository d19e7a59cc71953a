import Foundation

/// A parsed `falkordb://[user:password@]host:port/GRAPH` URL (`--graph-url`, `APEX_GRAPH_URL`).
///
/// GRAPH is both the FalkorDB graph key and the `group_id` of every node and
/// edge apex writes (graphiti-core binds one graph per group). It is kept to
/// letters, digits and `_`: graphiti's fulltext search quotes group ids badly
/// otherwise (DESIGN.md, "Facts about graphiti-core").
public struct FalkorDBURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var graph: String

    public static let defaultGraph = "apex"

    public init(_ text: String) throws(FalkorDBStoreError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw .badURL("\(Self.redacted(text)) is not a URL; give falkordb://host:port/GRAPH")
        }
        guard scheme == "falkordb" || scheme == "redis" else {
            throw .badURL("the scheme is \(scheme), not falkordb; give falkordb://host:port/GRAPH")
        }
        guard let host = components.host, !host.isEmpty else { throw .badURL("it names no host; give falkordb://host:port/GRAPH") }
        self.host = host
        port = components.port ?? 6379
        guard (1...65_535).contains(port) else { throw .badURL("port \(port) is out of range") }
        username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        graph = path.isEmpty ? Self.defaultGraph : path
        guard Self.isValidGraphName(graph) else {
            throw .badURL("the graph name \(graph) may hold only letters, digits and _ (it is also graphiti's group_id)")
        }
    }

    /// Letters, digits and `_`, 1 to 128 of them.
    public static func isValidGraphName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }

    /// `host:port`, for messages.
    public var server: String { "\(host):\(port)" }

    /// The URL with its password replaced by `***`, for messages.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }
}
