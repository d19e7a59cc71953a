public import ApexCore
public import ApexPorts

/// The stores of a memory during `apex move` (docs/moving.md): writes go to both sides, reads to the side that is the
/// truth, and in the canary phase a share of reads is answered by both and compared.
///
/// The phase comes from the stored move state through a ``MoveRoute``, so a
/// running `apex serve` follows phases run by another process. Without a move
/// (or after a rollback) every call goes to the source, as if this were not
/// here. Documents stay on the source for the whole move: their writes are
/// refused until it ends, and the backfill copies them.
public struct MovingStore: TemporalStore {
    public let route: MoveRoute

    public init(route: MoveRoute) {
        self.route = route
    }

    /// The configured stores, where the move's state lives.
    public var source: any TemporalStore { route.source }

    func truth() async throws -> any TemporalStore { try await route.plan().truth }

    // MARK: Writes

    /// Writes to the truth, then to the other side with that side's own entity lookups (it may not hold every entity
    /// yet: the backfill copies them later, under the same ids). A failed second write fails no request: it is
    /// counted and noted in the move's state, and a backfill run again copies what it missed.
    public func ingest(_ request: IngestRequest) async throws -> IngestSummary {
        let plan = try await route.plan()
        let summary = try await plan.truth.ingest(request)
        guard let mirror = plan.mirror else { return summary }
        let firstSideDone = ContinuousClock.now
        do {
            var attempts = 0
            while true {
                do {
                    _ = try await mirror.ingest(try await Self.request(request, for: mirror))
                    break
                } catch let conflict as EntityRegistrationConflict where conflict.reason == .registeredMeanwhile && attempts < 3 {
                    // The backfill registered one of the entities meanwhile, with the same id: look them up again.
                    attempts += 1
                }
            }
            MoveMetrics.mirror("mirrored", lag: ContinuousClock.now - firstSideDone)
        } catch {
            MoveMetrics.mirror("failed", lag: ContinuousClock.now - firstSideDone)
            route.log("move: a write reached one side only (\(error)); run apex move backfill again before cutover or finish")
            try? await MovePhases(store: source).noteMirrorFailure()
        }
        return summary
    }

    /// The request as `store` must see it: the entities it does not know yet are new there, with the ids the engine gave them.
    static func request(_ request: IngestRequest, for store: any TemporalStore) async throws -> IngestRequest {
        let ids = request.identities.ids
        let known = try await store.entityIDs(for: Set(ids.keys))
        var new: [EntityHandle] = []
        for (ref, id) in ids where known[ref] == nil { new.append(EntityHandle(id: id, ref: ref)) }
        for (ref, id) in known where ids[ref] != id { throw EntityRegistrationConflict(ref: ref, reason: .registeredMeanwhile) }
        var mirrored = request
        mirrored.identities = EntityIdentities(known: known, new: new)
        mirrored.saga = nil
        mirrored.sagaCommit = nil
        return mirrored
    }

    public func saveDocument(_ document: DocumentRecord, chunks: [ChunkRecord], mentions: [EntityID], embedder: EmbedderIdentity) async throws
        -> (inserted: [Int64], removed: [Int64], generation: Int64)
    {
        try await refuseDocumentWrites()
        return try await source.saveDocument(document, chunks: chunks, mentions: mentions, embedder: embedder)
    }

    public func deleteDocument(_ id: EntityID) async throws -> (removed: [Int64], generation: Int64)? {
        try await refuseDocumentWrites()
        return try await source.deleteDocument(id)
    }

    private func refuseDocumentWrites() async throws {
        let plan = try await route.plan()
        if let phase = plan.phase, phase != .rolledBack { throw MoveError.documentsFrozen(phase: phase) }
    }

    // MARK: Reads that a canary compares

    public func snapshot(of ref: EntityRef, property: String?, includeFacts: Bool, knownAt: Timestamp) async throws -> EntitySnapshot {
        let plan = try await route.plan()
        guard plan.readPercent > 0, let target = plan.target, Int.random(in: 0..<100) < plan.readPercent else {
            return try await plan.truth.snapshot(of: ref, property: property, includeFacts: includeFacts, knownAt: knownAt)
        }
        var attempt = 0
        while true {
            async let fromSource = plan.source.snapshot(of: ref, property: property, includeFacts: includeFacts, knownAt: knownAt)
            async let fromTarget = target.snapshot(of: ref, property: property, includeFacts: includeFacts, knownAt: knownAt)
            let (expected, answered) = try await (fromSource, fromTarget)
            if SnapshotComparison.same(expected, answered) {
                MoveMetrics.canary("match")
                return answered
            }
            // A write between its two sides differs for as long as it takes: only a difference that stays is a mismatch.
            attempt += 1
            if attempt < 4 {
                try await Task.sleep(for: .milliseconds(25 * attempt))
                continue
            }
            MoveMetrics.canary("mismatch")
            route.log("move canary: \(ref) as known at \(knownAt.rfc3339) differs: \(SnapshotComparison.difference(expected, answered))")
            try? await MovePhases(store: source).noteCanaryMismatch()
            return expected
        }
    }
}
