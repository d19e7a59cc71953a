public import ApexCore

/// A cache shared by readers and writers, never stale once a write is acknowledged (docs/cache.md).
///
/// Entries are tagged with generations: one per entity (by natural key) and
/// one for the whole memory. A writer raises the generations of what it
/// touches and marks those entities busy *before* any store writes, and raises
/// them again and clears the mark after the stores committed (``beginWrite(_:)``,
/// ``endWrite(_:)``). A reader takes a ``CacheStamp`` with its lookup, reads
/// the stores on a miss, and may fill only while every generation it depends
/// on is still the one it saw and nothing is busy. An entry also records the
/// generations of the partners its answer depends on (the other ends of
/// relations whose cardinality lets a later fact supersede), so that a write
/// naming only the partner invalidates it.
///
/// The in-process adapter serves one process; the Redis adapter
/// (`ApexRedis`) serves every `apex serve` process sharing the stores.
public protocol CacheStore: Sendable {
    /// The entry for `key`, when every generation it was filled under is current, with the stamp a fill must carry.
    func lookup(_ key: CacheKey) async throws -> CacheLookup

    /// Stores `value` under `key` for `ttl` unless a generation moved since `stamp` or an entity is busy; true when stored.
    ///
    /// - Parameter partners: the other entities the value depends on; their current generations are recorded with it.
    func fill(_ key: CacheKey, value: [UInt8], partners: [EntityRef], ttl: Duration, stamp: CacheStamp) async throws -> Bool

    /// Before a write: raises the generations of `scope` and marks its entities busy for at most the cache's lease.
    func beginWrite(_ scope: CacheWriteScope) async throws

    /// After the stores committed (or failed): raises the generations of `scope` again and clears its busy marks.
    func endWrite(_ scope: CacheWriteScope) async throws

    /// Takes the right to fill `key` for `lease` (one filler per key across processes); false when another holds it.
    func claimFill(_ key: CacheKey, lease: Duration) async throws -> Bool

    /// Gives up a claim taken with ``claimFill(_:lease:)``.
    func releaseFill(_ key: CacheKey) async throws

    /// Adds to the read counts of entities, which say what to warm on the next start (``hottest(limit:)``).
    func recordReads(_ counts: [EntityRef: Int]) async throws

    /// The most read entities, most read first.
    func hottest(limit: Int) async throws -> [EntityRef]

    /// Whether the cache answers, and what it is.
    func health() async -> StoreHealth
}

/// Which entry: the class (its TTL), the entity it is about (nil for whole-memory answers), and the rest of the question.
public struct CacheKey: Sendable, Hashable {
    public var cacheClass: CacheClass
    /// The entity whose generation the entry carries; nil for an answer about the whole memory (search).
    public var owner: EntityRef?
    /// The question, as text that tells it apart from every other question of its class and owner.
    public var question: String

    public init(_ cacheClass: CacheClass, owner: EntityRef?, question: String) {
        self.cacheClass = cacheClass
        self.owner = owner
        self.question = question
    }
}

/// The seeds' TTL classes (seed 000, 3.3), each with a default lifetime.
public enum CacheClass: String, Sendable, Hashable, CaseIterable {
    /// Who an entity id is (its type and key): never changes. 1 h.
    case entityMetadata = "entity_metadata"
    /// Answers computed over many entities (search, traversal at explicit times). 5 min.
    case queryResult = "query_result"
    /// What is stored about one entity (its versions, facts and ends). 30 min.
    case temporalFacts = "temporal_facts"

    /// The seeds' default lifetime of the class.
    public var defaultTTL: Duration {
        switch self {
        case .entityMetadata: .seconds(3600)
        case .queryResult: .seconds(300)
        case .temporalFacts: .seconds(1800)
        }
    }
}

/// The generations a lookup saw: a fill is refused when any of them moved, or when an entity was busy.
public struct CacheStamp: Sendable, Hashable {
    /// The whole-memory generation.
    public var global: Int64
    /// The owner's generation (0 when it has none yet, or for whole-memory keys).
    public var owner: Int64
    /// The supersession epoch: raised by every write of a fact whose relation a later fact may supersede. A fill with
    /// partners is refused when it moved, since such a write may have changed this entity's answers without naming it.
    public var epoch: Int64
    /// Whether a write was in progress (the owner, or the whole memory): then no fill is tried.
    public var busy: Bool

    public init(global: Int64, owner: Int64, epoch: Int64, busy: Bool) {
        self.global = global
        self.owner = owner
        self.epoch = epoch
        self.busy = busy
    }
}

/// The answer of a lookup: the value, if current, and the stamp to fill under.
public struct CacheLookup: Sendable {
    public var value: [UInt8]?
    public var stamp: CacheStamp

    public init(value: [UInt8]?, stamp: CacheStamp) {
        self.value = value
        self.stamp = stamp
    }
}

/// What a write touches, as the cache sees it.
public struct CacheWriteScope: Sendable, Hashable {
    /// The entities whose answers may change.
    public var entities: Set<EntityRef>
    /// True when every entry goes (ontology changes, very large writes).
    public var everything: Bool
    /// True when the write holds a fact of a relation a later fact may supersede (it raises the supersession epoch).
    public var supersedes: Bool

    public init(entities: Set<EntityRef>, everything: Bool = false, supersedes: Bool = false) {
        self.entities = entities
        self.everything = everything
        self.supersedes = supersedes
    }
}
