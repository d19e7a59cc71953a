public import ApexCore

/// The questions the seed plan's temporal endpoints ask across many entities (seed 002 section 4.2).
///
/// Each answers "as known now": every stored record counts. They return raw
/// figures; the engine applies the ontology (cardinalities, state checks).
public protocol AnalyticsStore: Sendable {
    /// Entities whose key, or some stored string value, contains `text` (case-insensitive); a superset for the engine to check.
    func entities(containing text: String, limit: Int) async throws -> [EntityHandle]

    /// Entities whose key equals `name`, or whose `name` property ever equalled it.
    func entities(named name: String) async throws -> [EntityHandle]

    /// Entities with the most property versions valid in `[from, to)`, most first.
    func mostChanged(from: Timestamp, to: Timestamp, limit: Int) async throws -> [ChangeCount]

    /// Whether the store answers, and what it is.
    func health() async -> StoreHealth

    /// The health of each store behind this one: itself, or each part of a composition.
    func healthOfEachStore() async -> [StoreHealth]
}

extension AnalyticsStore {
    public func healthOfEachStore() async -> [StoreHealth] { [await health()] }
}

/// How many property versions of one entity fall in a period.
public struct ChangeCount: Sendable, Equatable {
    public var entity: EntityHandle
    public var changes: Int

    public init(entity: EntityHandle, changes: Int) {
        self.entity = entity
        self.changes = changes
    }
}

/// Raw churn figures of one relation type in a period.
public struct RelationChurn: Sendable, Equatable {
    public var relation: String
    /// Distinct instances whose `valid_at` is in the period.
    public var started: Int
    /// Distinct instances whose explicit end (own `invalid_at` or an `end` record) is in the period.
    public var endedExplicitly: Int
    /// Instances followed, in the period, by a later fact of the type from the same source.
    public var followedFromSource: Int
    /// Instances followed, in the period, by a later fact of the type to the same target.
    public var followedToTarget: Int

    public init(relation: String, started: Int, endedExplicitly: Int, followedFromSource: Int, followedToTarget: Int) {
        self.relation = relation
        self.started = started
        self.endedExplicitly = endedExplicitly
        self.followedFromSource = followedFromSource
        self.followedToTarget = followedToTarget
    }
}

/// One store's answer to a health check.
public struct StoreHealth: Sendable, Equatable {
    public var name: String
    public var kind: String
    public var healthy: Bool
    public var detail: String

    public init(name: String, kind: String, healthy: Bool, detail: String) {
        self.name = name
        self.kind = kind
        self.healthy = healthy
        self.detail = detail
    }
}

/// An adapter's error that may mean its server cannot be reached, which the HTTP API answers with 503 rather than 500.
public protocol StoreAvailabilityError: Error, CustomStringConvertible {
    /// True when the store could not be reached (not when the request was wrong or a query failed).
    var storeUnavailable: Bool { get }
}
