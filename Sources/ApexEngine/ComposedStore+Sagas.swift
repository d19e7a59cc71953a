public import ApexCore
public import ApexPorts
import Foundation

/// An ingest across the record store and the graph as a saga (docs/graph.md, "Writes").
///
/// Steps, each noted in the saga log: `graph` (facts, ends and nodes,
/// tagged with the saga), `records` (the record store's transaction, which
/// notes the step itself: the point of no return), `nodes` (the nodes'
/// properties again, now from the stored records). A failure before
/// `records` undoes the graph step; after it, the rest is finished.
extension ComposedStore {
    /// How long a saga's owner holds it before a recovery on another host may take it over; on the owner's host, a recovery
    /// takes over at once from an owner that is gone.
    static let sagaLease: Int64 = 600_000_000

    static let sagaIDs = UUIDv7Generator()

    static var wallClock: Timestamp { Timestamp.wallClock }

    func ingestAsSaga(_ request: IngestRequest) async throws -> IngestSummary {
        let owner = SagaOwner.current
        let started = Self.wallClock
        let named = request.identities.handles.sorted { $0.id < $1.id }
        let saga = SagaEntry(
            id: Self.sagaIDs.next(unixMilliseconds: UInt64(max(0, started.microseconds / 1000))), kind: .ingest, owner: owner,
            leaseUntil: Timestamp(microseconds: started.microseconds + Self.sagaLease), startedAt: started, detail: SagaDetail.encode(named))
        try await records.beginSaga(saga)
        SagaMetrics.count("started")
        try FaultPoint.reached("ingest.begun")
        let summary: IngestSummary
        do {
            var tagged = request
            tagged.saga = saga.id
            let entities = try await graphEntities(named, ontology: request.ontologyInForce, at: request.ingestionTime)
            try await SagaMetrics.step("graph") { try await graph.ingest(tagged, entities: entities) }
            try FaultPoint.reached("ingest.graph")
            var local = request
            local.includesFacts = false
            local.sagaCommit = SagaCommit(id: saga.id, owner: owner, stepsDone: ["graph", "records"], at: Self.wallClock)
            summary = try await SagaMetrics.step("records") { try await records.ingest(local) }
        } catch {
            // What the log says decides: records stored (a lost reply) means finish; none means undo the graph step. When
            // the log cannot be read or the undo fails, the saga is left to recovery (any later apex process).
            let logged = try? await records.saga(saga.id)
            if let logged, logged.stepsDone.contains("records") {
                try? await finish(saga.id, named: named, ontology: request.ontologyInForce, owner: owner, at: request.ingestionTime)
            } else if logged != nil, (try? await undo(saga, named: named, ontology: request.ontologyInForce, owner: owner)) == nil {
                let now = Self.wallClock
                _ = try? await records.advanceSaga(saga.id, owner: owner, state: .compensating, stepsDone: [], leaseUntil: now, at: now)
            }
            throw error
        }
        try FaultPoint.reached("ingest.records")
        try await finish(saga.id, named: named, ontology: request.ontologyInForce, owner: owner, at: request.ingestionTime)
        return summary
    }

    /// The last step of a saga whose records are stored: the nodes' properties from the record store; then it is committed.
    func finish(_ id: EntityID, named: [EntityHandle], ontology: Ontology, owner: SagaOwner, at: Timestamp) async throws {
        let entities = try await graphEntities(named, ontology: ontology, at: at)
        try await SagaMetrics.step("graph") { try await graph.rewriteNodes(entities, now: at) }
        try FaultPoint.reached("ingest.nodes")
        let now = Self.wallClock
        _ = try await records.advanceSaga(id, owner: owner, state: .committed, stepsDone: ["graph", "records", "nodes"], leaseUntil: now, at: now)
        SagaMetrics.count("committed")
    }

    /// Undoes a saga's graph step and notes it compensated.
    func undo(_ saga: SagaEntry, named: [EntityHandle], ontology: Ontology, owner: SagaOwner) async throws {
        try await compensate(saga: saga.id, named: named, ontology: ontology, now: Self.wallClock)
        let now = Self.wallClock
        _ = try await records.advanceSaga(saga.id, owner: owner, state: .compensated, stepsDone: saga.stepsDone, leaseUntil: now, at: now)
        SagaMetrics.count("compensated")
    }

    /// Finishes or undoes every saga in flight that no live process holds: those whose owner on this host is gone, or whose
    /// lease ran out. A saga another recoverer takes first is left to it.
    ///
    /// - Returns: each saga recovered, with what was done.
    @discardableResult
    public func recoverSagas(owner: SagaOwner = .current) async throws -> [(saga: EntityID, outcome: SagaState)] {
        let inFlight = try await records.sagasInFlight()
        guard !inFlight.isEmpty else { return [] }
        guard let source = try await records.ontologySource() else { return [] }
        let ontology = try OntologyLoader.load(source)
        var recovered: [(saga: EntityID, outcome: SagaState)] = []
        for saga in inFlight where saga.owner != owner {
            let now = Self.wallClock
            let gone = saga.owner.isGoneFromThisHost ? saga.owner : nil
            guard
                try await records.claimSaga(
                    saga.id, owner: owner, leaseUntil: Timestamp(microseconds: now.microseconds + Self.sagaLease), now: now, goneOwner: gone)
            else { continue }
            guard let named = SagaDetail.decode(saga.detail) else {
                throw SagaRecoveryError.unreadableDetail(saga: saga.id)
            }
            if saga.stepsDone.contains("records") {
                try await finish(saga.id, named: named, ontology: ontology, owner: owner, at: now)
                recovered.append((saga.id, .committed))
                SagaMetrics.count("recovered_committed")
            } else {
                try await undo(saga, named: named, ontology: ontology, owner: owner)
                recovered.append((saga.id, .compensated))
                SagaMetrics.count("recovered_compensated")
            }
        }
        return recovered
    }
}

/// Why a saga in flight could not be recovered.
public enum SagaRecoveryError: Error, CustomStringConvertible {
    case unreadableDetail(saga: EntityID)

    public var description: String {
        switch self {
        case .unreadableDetail(let saga): "the saga log entry \(saga) does not say which entities it wrote, so it cannot be recovered"
        }
    }
}

/// What an ingest saga keeps in the log for its recovery: the entities it names, as `id type key` lines.
enum SagaDetail {
    static func encode(_ named: [EntityHandle]) -> String {
        JSONWriter.string(.array(named.map { .array([.string($0.id.description), .string($0.ref.type), .string($0.ref.key)]) }))
    }

    static func decode(_ text: String) -> [EntityHandle]? {
        guard case .array(let items)? = try? JSONParser.parse(text) else { return nil }
        var handles: [EntityHandle] = []
        for item in items {
            guard case .array(let parts) = item, parts.count == 3, case .string(let id) = parts[0], let entity = EntityID(id),
                case .string(let type) = parts[1], case .string(let key) = parts[2]
            else { return nil }
            handles.append(EntityHandle(id: entity, ref: EntityRef(type: type, key: key)))
        }
        return handles
    }
}

extension SagaOwner {
    /// This process.
    public static let current = SagaOwner(host: hostName, processID: getpid())

    /// gethostname(2): no name lookup, unlike `ProcessInfo.hostName`.
    private static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether the owner is a process of this host that no longer runs.
    var isGoneFromThisHost: Bool {
        guard host == SagaOwner.current.host, processID != SagaOwner.current.processID else { return false }
        return kill(processID, 0) != 0 && errno == ESRCH
    }
}
