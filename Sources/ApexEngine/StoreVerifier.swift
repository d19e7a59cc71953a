public import ApexCore
import ApexPorts

/// Compares a graph kept apart with the record store, and on request writes away what differs (`apex verify [--repair]`).
///
/// The record store is the reference: its directory and property history say
/// which nodes the graph must hold and what they carry; its saga log says
/// which tagged writes committed. The graph's own facts and ends say what
/// its current edges must be. Run after recovery, so that only sagas live
/// processes hold are in flight; what they name is left out.
public struct StoreVerifier: Sendable {
    public let store: ComposedStore
    /// Entities read and compared per round trip.
    static let page = 500

    public init(store: ComposedStore) {
        self.store = store
    }

    /// Compares the stores; with `repair`, rewrites what differs from the record store and compares again.
    ///
    /// - Returns: what the (last) comparison found, and with `repair` what the first one found.
    public func verify(stores: [String], repair: Bool, now: Timestamp) async throws -> (report: VerifyReport, before: VerifyReport?) {
        let first = try await compare(stores: stores, now: now)
        guard repair, !first.agrees else { return (first, nil) }
        try await self.repair(first, now: now)
        return (try await compare(stores: stores, now: now), first)
    }

    /// One comparison, without repairing anything.
    public func compare(stores: [String], now: Timestamp) async throws -> VerifyReport {
        var report = VerifyReport(stores: stores)
        let ontology = try await loadOntology()
        let inFlight = try await store.records.sagasInFlight()
        report.inFlight = inFlight.map(\.id)
        let busy = Set(inFlight.flatMap { SagaDetail.decode($0.detail)?.map(\.id) ?? [] })

        var recorded = Set<EntityID>()
        var after: EntityID?
        while true {
            let handles = try await store.records.entities(after: after, limit: Self.page)
            guard let last = handles.last else { break }
            after = last.id
            recorded.formUnion(handles.map(\.id))
            report.differingNodes += try await differing(handles.filter { !busy.contains($0.id) }, ontology: ontology, now: now)
        }
        report.entities = recorded.count

        var graphed = Set<EntityID>()
        after = nil
        while true {
            let ids = try await store.graph.nodeIDs(after: after, limit: Self.page * 10)
            guard let last = ids.last else { break }
            after = last
            graphed.formUnion(ids)
        }
        report.nodes = graphed.count
        report.missingNodes = recorded.subtracting(graphed).subtracting(busy).sorted()
        report.unknownNodes = graphed.subtracting(recorded).subtracting(busy).sorted()
        let missing = Set(report.missingNodes)
        report.differingNodes = report.differingNodes.filter { !missing.contains($0) }

        let compared = recorded.intersection(graphed).subtracting(busy).sorted()
        for chunk in stride(from: 0, to: compared.count, by: Self.page).map({ compared[$0..<min($0 + Self.page, compared.count)] }) {
            report.edges = report.edges + (try await store.graph.edgeDrift(around: Array(chunk), ontology: ontology, now: now, repair: false))
        }

        let running = Set(report.inFlight)
        for saga in try await store.graph.sagaTags().subtracting(running).sorted() where try await store.records.saga(saga)?.state != .committed {
            report.halfWritten.append(saga)
        }
        return report
    }

    /// The nodes of `handles` that differ from their records. A node holds the values valid when it was last written, so one
    /// that matches the values valid at the entity's last recorded change is as it should be too.
    func differing(_ handles: [EntityHandle], ontology: Ontology, now: Timestamp) async throws -> [EntityID] {
        guard !handles.isEmpty else { return [] }
        let suspects = Set(try await store.graph.nodesDiffering(from: try await store.graphEntities(handles, ontology: ontology, at: now)))
        var differing: [EntityID] = []
        for handle in handles where suspects.contains(handle.id) {
            let versions = try await store.records.propertyVersions(of: handle.id, property: nil, knownAt: .distantFuture)
            let lastChange = versions.map(\.recordedAt).max() ?? now
            let then = try await store.graphEntities([handle], ontology: ontology, at: lastChange)
            if try await !store.graph.nodesDiffering(from: then).isEmpty { differing.append(handle.id) }
        }
        return differing
    }

    /// Undoes half-written sagas, deletes nodes the record store does not know, rewrites nodes that are missing or differ,
    /// and rewrites the current edges around every entity.
    func repair(_ report: VerifyReport, now: Timestamp) async throws {
        let ontology = try await loadOntology()
        for saga in report.halfWritten {
            let logged = try await store.records.saga(saga)
            let named = logged.flatMap { SagaDetail.decode($0.detail) } ?? []
            let touching = try await store.graph.entitiesTagged(by: saga).union(named.map(\.id))
            var handles: [EntityHandle] = []
            for id in touching.sorted() { if let handle = try await store.records.entity(id: id) { handles.append(handle) } }
            let entities = try await store.graphEntities(handles, ontology: ontology, at: now)
            try await store.graph.compensate(saga: saga, touching: touching, entities: entities, ontology: ontology, now: now)
        }
        try await store.graph.deleteNodes(report.unknownNodes)
        var rewrite: [EntityHandle] = []
        for id in report.missingNodes + report.differingNodes { if let handle = try await store.records.entity(id: id) { rewrite.append(handle) } }
        try await store.graph.rewriteNodes(try await store.graphEntities(rewrite, ontology: ontology, at: now), now: now)
        guard !report.edges.isEmpty || !report.halfWritten.isEmpty || !report.unknownNodes.isEmpty else { return }
        var after: EntityID?
        while true {
            let handles = try await store.records.entities(after: after, limit: Self.page)
            guard let last = handles.last else { break }
            after = last.id
            _ = try await store.graph.edgeDrift(around: handles.map(\.id), ontology: ontology, now: now, repair: true)
        }
    }

    func loadOntology() async throws -> Ontology {
        guard let source = try await store.records.ontologySource() else { return Ontology(name: "", version: 0, entityTypes: [], relationTypes: []) }
        return try OntologyLoader.load(source)
    }
}
