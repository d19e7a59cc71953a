public import ApexPorts

/// Why a FalkorDB call failed, as one sentence that names the server but never the data.
public enum FalkorDBStoreError: Error, CustomStringConvertible, StoreAvailabilityError {
    /// The URL cannot be used; the reason says which part.
    case badURL(String)
    /// The server did not answer or went away.
    case unavailable(server: String, reason: String)
    /// The server refused a query (a defect in apex, or a server without the FalkorDB module).
    case queryFailed(server: String, reason: String)
    /// A reply that is not what the query returns.
    case unexpectedReply(reason: String)
    /// Another process holds the graph's migration lock for longer than the wait allows.
    case lockTimeout(graph: String)

    public var description: String {
        switch self {
        case .badURL(let reason): "the graph URL is not usable: \(reason)"
        case .unavailable(let server, let reason): "the graph store FalkorDB at \(server) is unavailable: \(reason)"
        case .queryFailed(let server, let reason): "FalkorDB at \(server) refused a query: \(reason)"
        case .unexpectedReply(let reason): "FalkorDB answered in an unexpected shape: \(reason)"
        case .lockTimeout(let graph): "another apex held the migration lock of graph \(graph) for too long; try again when it has finished"
        }
    }

    /// FalkorDB's refusal to read a graph that has no key yet.
    var isEmptyGraph: Bool {
        if case .queryFailed(_, let reason) = self { return reason.contains("empty key") }
        return false
    }

    public var storeUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }
}
