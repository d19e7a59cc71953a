public import ApexCore

/// What `apex verify` asks of a graph kept apart from the record store: its side of the id map, whether its nodes and
/// current edges say what the record store and its own facts say, and which sagas tagged what it holds.
///
/// The record store is the reference for entities and their properties; the
/// graph's own facts and ends are the reference for its derived edges. A
/// write tagged by a saga that did not commit is half-written.
public protocol GraphAudit: Sendable {
    /// Up to `limit` ids of the entity nodes apex wrote with ids greater than `after` (from the first when nil), in id order.
    func nodeIDs(after: EntityID?, limit: Int) async throws -> [EntityID]

    /// Those of `entities` whose node is missing, or holds another type, key or property values than the record store's.
    func nodesDiffering(from entities: [GraphEntity]) async throws -> [EntityID]

    /// Deletes the nodes of `ids` with every fact, end and edge on them (nodes of entities the record store does not know).
    func deleteNodes(_ ids: [EntityID]) async throws

    /// How the current edges around `entities` differ from the relation instances their facts and ends make; with `repair`, the
    /// difference is written away (wrong edges expired, missing ones created), as an ingest would.
    func edgeDrift(around entities: [EntityID], ontology: Ontology, now: Timestamp, repair: Bool) async throws -> EdgeDrift

    /// Every saga that tags something in the graph: a node, fact, end or edge it created, or an edge it expired.
    func sagaTags() async throws -> Set<EntityID>

    /// The entities a saga's tags touch: the nodes it created and the ends of what it wrote or expired.
    func entitiesTagged(by saga: EntityID) async throws -> Set<EntityID>
}

/// How a graph's current edges differ from the relation instances its facts and ends make.
public struct EdgeDrift: Sendable, Equatable {
    /// Instances without a current edge.
    public var missing: Int
    /// Current edges whose end or text differs from their instance's.
    public var stale: Int
    /// Current edges of no instance.
    public var orphaned: Int
    /// Entities whose adjacency summary (a store's derived index of their edges, if it keeps one) differs from their edges.
    public var summaries: Int

    public init(missing: Int = 0, stale: Int = 0, orphaned: Int = 0, summaries: Int = 0) {
        self.missing = missing
        self.stale = stale
        self.orphaned = orphaned
        self.summaries = summaries
    }

    public var isEmpty: Bool { missing == 0 && stale == 0 && orphaned == 0 && summaries == 0 }

    public static func + (lhs: EdgeDrift, rhs: EdgeDrift) -> EdgeDrift {
        EdgeDrift(
            missing: lhs.missing + rhs.missing, stale: lhs.stale + rhs.stale, orphaned: lhs.orphaned + rhs.orphaned,
            summaries: lhs.summaries + rhs.summaries)
    }
}
