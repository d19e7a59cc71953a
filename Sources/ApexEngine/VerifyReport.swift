public import ApexCore
public import ApexPorts

/// What `apex verify` found when it compared the stores (docs/graph.md, "Verify"): empty lists and no drift mean they agree.
public struct VerifyReport: Sendable, Equatable {
    /// The stores compared, as `role: kind` (e.g. `records: sqlite`).
    public var stores: [String]
    /// Entities in the record store's directory.
    public var entities: Int = 0
    /// Entity nodes in the graph.
    public var nodes: Int = 0
    /// Entities of the record store without a node in the graph.
    public var missingNodes: [EntityID] = []
    /// Nodes whose id the record store does not know (the id map's other direction).
    public var unknownNodes: [EntityID] = []
    /// Nodes with another type, key or property values than the record store's.
    public var differingNodes: [EntityID] = []
    /// Current edges that differ from the relation instances the graph's facts and ends make.
    public var edges = EdgeDrift()
    /// Sagas that did not commit but whose writes are still in the graph.
    public var halfWritten: [EntityID] = []
    /// Sagas live processes are running now: what they name is left out of the comparison.
    public var inFlight: [EntityID] = []

    public init(stores: [String]) {
        self.stores = stores
    }

    /// Whether every store says what the record store says.
    public var agrees: Bool {
        missingNodes.isEmpty && unknownNodes.isEmpty && differingNodes.isEmpty && edges.isEmpty && halfWritten.isEmpty
    }

    /// The report as lines of text, one finding per line.
    public var lines: [String] {
        var out = ["compared \(stores.joined(separator: ", "))"]
        guard stores.count > 1 else {
            out.append("one store holds everything, each write in one transaction: nothing to compare")
            return out
        }
        out.append("\(entities) entities in the record store, \(nodes) entity nodes in the graph")
        func line(_ ids: [EntityID], _ what: String) {
            guard !ids.isEmpty else { return }
            out.append("\(ids.count) \(what): \(ids.prefix(5).map(\.description).joined(separator: ", "))\(ids.count > 5 ? ", ..." : "")")
        }
        line(missingNodes, "entities without a graph node")
        line(unknownNodes, "graph nodes the record store does not know")
        line(differingNodes, "graph nodes differing from their records")
        if !edges.isEmpty {
            out.append(
                "current edges: \(edges.missing) missing, \(edges.stale) stale, \(edges.orphaned) without a relation instance"
                    + (edges.summaries > 0 ? "; \(edges.summaries) adjacency summaries differing from their edges" : ""))
        }
        line(halfWritten, "half-written sagas (did not commit, writes still in the graph)")
        line(inFlight, "sagas in flight in live processes (their entities not compared)")
        out.append(agrees ? "the stores agree" : "the stores disagree")
        return out
    }

    /// The report as JSON (`apex verify --json`).
    public var json: JSONValue {
        func ids(_ list: [EntityID]) -> JSONValue { .array(list.map { .string($0.description) }) }
        return .object([
            ("agrees", .bool(agrees)), ("stores", .array(stores.map(JSONValue.string))), ("entities", .integer(Int64(entities))),
            ("nodes", .integer(Int64(nodes))), ("missing_nodes", ids(missingNodes)), ("unknown_nodes", ids(unknownNodes)),
            ("differing_nodes", ids(differingNodes)),
            (
                "edges",
                .object([
                    ("missing", .integer(Int64(edges.missing))), ("stale", .integer(Int64(edges.stale))),
                    ("orphaned", .integer(Int64(edges.orphaned))), ("summaries", .integer(Int64(edges.summaries))),
                ])
            ),
            ("half_written_sagas", ids(halfWritten)), ("sagas_in_flight", ids(inFlight)),
        ])
    }
}
