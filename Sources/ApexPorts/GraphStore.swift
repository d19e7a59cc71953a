public import ApexCore

/// Where facts (relations) and their ends live: SQL tables on SQLite and PostgreSQL, a Cypher graph on FalkorDB.
///
/// Reads take the transaction time `knownAt`; the core filters again, so
/// over-fetching is harmless. The temporal rules (ends, supersession) are the
/// engine's: a graph store returns raw fact versions and end records.
public protocol GraphStore: Sendable {
    /// Every fact version in which the entity is the source or the target, recorded at or before `knownAt`.
    func facts(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactVersion]

    /// Every `end` record in which the entity is the source or the target, recorded at or before `knownAt`.
    func ends(touching entity: EntityID, knownAt: Timestamp) async throws -> [FactEnd]

    /// What ``facts(touching:knownAt:)`` and ``ends(touching:knownAt:)`` answer, in one read where the store can (a snapshot's).
    func factsAndEnds(touching entity: EntityID, knownAt: Timestamp) async throws -> (facts: [FactVersion], ends: [FactEnd])

    /// Every fact version touching any of `entities`, each once, recorded at or before `knownAt` (one level of a traversal).
    func facts(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactVersion]

    /// Every `end` record touching any of `entities`, each once, recorded at or before `knownAt`.
    func ends(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactEnd]

    /// One level of a traversal: the facts and ends touching any of `entities`, recorded by `knownAt`, each once; the facts
    /// of the relations in `laterOf` (those a later fact may supersede, with their cardinalities) with their ``LaterFacts``
    /// where the store finds them in the same read (the engine asks ``earliestFacts(_:knownAt:)`` for the rest).
    ///
    /// With `validBy`, a store may leave out the facts valid after it and the ends that close those (an end closes the
    /// instance of its pair with the latest `valid_at` before its `invalid_at`): the instances valid at `validBy` and
    /// their ends are then what they are with every row. A store may leave out the facts' text (`fact`), which traversals
    /// do not show.
    func relations(touchingAny entities: [EntityID], knownAt: Timestamp, validBy: Timestamp?, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations

    /// The smallest `valid_at` greater than `after` among facts of `relation` with `entity` on `side`, recorded by `knownAt`.
    ///
    /// This is what supersedes a fact under the `many_to_one`, `one_to_many` and `one_to_one` cardinalities.
    func earliestFact(relation: String, side: FactSide, entity: EntityID, after: Timestamp, knownAt: Timestamp) async throws -> Timestamp?

    /// For each probe, the smallest `valid_at` greater than its `after` among facts of its relation with its entity on its side,
    /// recorded by `knownAt` (``earliestFact(relation:side:entity:after:knownAt:)`` for many at once).
    func earliestFacts(_ probes: [LaterFactProbe], knownAt: Timestamp) async throws -> [Timestamp?]

    /// Per relation type: instances begun, ended explicitly, and followed by a later fact, in `[from, to)`, as known now.
    func relationChurn(from: Timestamp, to: Timestamp) async throws -> [RelationChurn]

    /// The relation types stored facts and ends use, to check a changed ontology against.
    func relationTypesInUse() async throws -> Set<String>
}

extension GraphStore {
    /// The two reads side by side, for stores without one read of both.
    public func factsAndEnds(touching entity: EntityID, knownAt: Timestamp) async throws -> (facts: [FactVersion], ends: [FactEnd]) {
        async let facts = facts(touching: entity, knownAt: knownAt)
        async let ends = ends(touching: entity, knownAt: knownAt)
        return (try await facts, try await ends)
    }

    /// One read per entity, for stores without a batched query; a fact between two of them is kept once.
    public func facts(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactVersion] {
        let wanted = Set(entities)
        var found: [FactVersion] = []
        for entity in wanted {
            found += try await facts(touching: entity, knownAt: knownAt).filter { $0.from.id == entity || !wanted.contains($0.from.id) }
        }
        return found
    }

    /// One read per entity, for stores without a batched query; an end between two of them is kept once.
    public func ends(touchingAny entities: [EntityID], knownAt: Timestamp) async throws -> [FactEnd] {
        let wanted = Set(entities)
        var found: [FactEnd] = []
        for entity in wanted {
            found += try await ends(touching: entity, knownAt: knownAt).filter { $0.from == entity || !wanted.contains($0.from) }
        }
        return found
    }
}

extension GraphStore {
    /// The facts and the ends read side by side, without later facts, for stores without a single read for both.
    public func relations(touchingAny entities: [EntityID], knownAt: Timestamp, validBy: Timestamp?, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations
    {
        async let facts = facts(touchingAny: entities, knownAt: knownAt)
        async let ends = ends(touchingAny: entities, knownAt: knownAt)
        return TouchingRelations(facts: try await facts, ends: try await ends)
    }
}

/// What one level of a traversal reads: the fact versions and the end records touching its entities.
public struct TouchingRelations: Sendable, Equatable {
    public var facts: [FactVersion]
    public var ends: [FactEnd]

    public init(facts: [FactVersion], ends: [FactEnd]) {
        self.facts = facts
        self.ends = ends
    }
}

extension GraphStore {
    /// One read per probe, for stores without a batched query.
    public func earliestFacts(_ probes: [LaterFactProbe], knownAt: Timestamp) async throws -> [Timestamp?] {
        var found: [Timestamp?] = []
        for probe in probes {
            found.append(try await earliestFact(relation: probe.relation, side: probe.side, entity: probe.entity, after: probe.after, knownAt: knownAt))
        }
        return found
    }
}

/// One question "which later fact could supersede this instance": facts of `relation` with `entity` on `side`, valid after `after`.
public struct LaterFactProbe: Sendable, Hashable {
    public var relation: String
    public var side: FactSide
    public var entity: EntityID
    public var after: Timestamp

    public init(relation: String, side: FactSide, entity: EntityID, after: Timestamp) {
        self.relation = relation
        self.side = side
        self.entity = entity
        self.after = after
    }
}

/// A graph store that lives apart from the record store and so takes its own writes.
///
/// The engine hands it the same request the record store took (after the
/// record store committed), with the ids it minted, and the current state of
/// every entity the request names, for stores that keep it on their nodes.
public protocol GraphWriter: GraphStore, GraphAudit, RelationDumpReader {
    /// Stores the facts and ends of the request, and the entity nodes it names; idempotent (upserts by id and version).
    ///
    /// With ``IngestRequest/saga``, what the write creates is tagged with it.
    func ingest(_ request: IngestRequest, entities: [GraphEntity]) async throws

    /// Undoes what the saga's writes created: its facts, ends and nodes (around `touching`, the entities it named) go,
    /// what it expired comes back, and the nodes of `entities` (as the record store holds them) are written again.
    ///
    /// Idempotent. A fact version the saga wrote again with a winning text (an exact key tie) keeps that text.
    func compensate(saga: EntityID, touching: Set<EntityID>, entities: [GraphEntity], ontology: Ontology, now: Timestamp) async throws

    /// A view of the store whose reads leave out the facts and ends written by the sagas `visibility` does not show.
    func reading(as visibility: SagaVisibility) -> any GraphWriter

    /// Writes the nodes of `entities` again, with their properties as the record store holds them.
    func rewriteNodes(_ entities: [GraphEntity], now: Timestamp) async throws

    /// Whether the store answers, and what it is.
    func health() async -> StoreHealth
}

/// An entity as a graph store keeps it on its node: id, natural key and its current property values.
public struct GraphEntity: Sendable, Equatable {
    public var handle: EntityHandle
    /// Property values as known now, valid now, in ontology order.
    public var properties: [(name: String, value: JSONValue)]

    public init(handle: EntityHandle, properties: [(name: String, value: JSONValue)]) {
        self.handle = handle
        self.properties = properties
    }

    public static func == (lhs: GraphEntity, rhs: GraphEntity) -> Bool {
        lhs.handle == rhs.handle && lhs.properties.map(\.name) == rhs.properties.map(\.name)
            && lhs.properties.map(\.value) == rhs.properties.map(\.value)
    }
}

/// Which end of a relation an entity is on.
public enum FactSide: Sendable, Hashable {
    case from, to
}
