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

    /// Writes to the truth, then brings the other side's rows of the entities the write named up to the truth's
    /// (``MirrorWrite``), under the same ids, trying 3 times. A second write that fails fails no request: it is counted and noted in
    /// the move's state (a backfill run again copies what it missed); when even the note cannot be stored, the request
    /// fails, so that the writer retries (the truth has the write; a retry stores nothing twice).
    public func ingest(_ request: IngestRequest) async throws -> IngestSummary {
        let plan = try await route.plan()
        let summary = try await plan.truth.ingest(request)
        guard let mirror = plan.mirror else {
            // Both sides should take it, and the target could not be opened: the write missed it.
            if plan.phase?.writesBoth == true {
                MoveMetrics.mirror("failed", lag: .zero)
                try await MovePhases(store: source).noteMirrorFailure()
            }
            return summary
        }
        let firstSideDone = ContinuousClock.now
        do {
            // The second side is brought up to the first's rows, so trying again is safe: a moment's error (a
            // connection dropped, a server busy) costs a retry, not a backfill.
            var attempt = 1
            while true {
                do {
                    try await MirrorWrite(truth: plan.truth, mirror: mirror).apply(after: request)
                    break
                } catch where attempt < 3 {
                    route.log("move: the second side of a write failed (\(error)); trying again")
                    try await Task.sleep(for: .milliseconds(50 * attempt))
                    attempt += 1
                }
            }
            MoveMetrics.mirror("mirrored", lag: ContinuousClock.now - firstSideDone)
        } catch {
            MoveMetrics.mirror("failed", lag: ContinuousClock.now - firstSideDone)
            route.log("move: a write reached one side only (\(error)); run apex move backfill again before cutover, finish or rollback")
            try await MovePhases(store: source).noteMirrorFailure()
        }
        return summary
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
            async let fromTarget: Result<EntitySnapshot, any Error> = {
                do {
                    return .success(try await target.snapshot(of: ref, property: property, includeFacts: includeFacts, knownAt: knownAt))
                } catch {
                    return .failure(error)
                }
            }()
            let (expected, targetAnswer) = try await (fromSource, fromTarget)
            // A target that fails a canary read fails no request: the source answers, and the failure is counted.
            guard case .success(let answered) = targetAnswer else {
                MoveMetrics.canary("error")
                return expected
            }
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

extension MovingStore: ContentVersionSource {
    /// The source's, while no move is under way as last read; nil during a move.
    ///
    /// Every move phase is stored in the source, so a phase change moves the
    /// source's version too: an answer kept before it is never handed out after.
    public func contentVersion() throws -> Int64? {
        guard route.isQuiet, let source = source as? any ContentVersionSource else { return nil }
        return try source.contentVersion()
    }
}
