import ApexCore
public import ApexPorts

/// `apex move backfill`: copies what the truth holds into the other side (the source into the target before the
/// cutover, the target back into the source after it), a batch of entities at a time in id order, then the documents;
/// the place reached is stored after each batch, so a killed run resumes there. Run again once done, it copies
/// everything again: what a write that reached one side only left out is then there.
///
/// Each batch goes through the other side's ingest path as records with their
/// recorded times, sources and the truth's ids. Ingest is an upsert on each
/// row's natural key, so rows a dual write already put there, or a batch
/// copied twice after a kill, are written once.
public struct MoveBackfill: Sendable {
    /// Where the move's state lives (the configured stores).
    public let states: any MoveStateStore
    /// The side copied from.
    public let source: any TemporalStore
    /// The side copied into (its ingest path) and its documents (nil: documents are not copied).
    public let target: MemoryService
    public let documents: DocumentService?
    /// Entities per batch.
    public var batchSize = 500
    /// At most this many records a second (nil: as fast as the stores go).
    public var maxRecordsPerSecond: Int?

    public init(states: any MoveStateStore, source: any TemporalStore, target: MemoryService, documents: DocumentService?) {
        self.states = states
        self.source = source
        self.target = target
        self.documents = documents
    }

    /// Where a run is, for its progress line.
    public struct Report: Sendable {
        public var progress: BackfillProgress
        /// Entities the source holds (counted when the run began).
        public var totalEntities: Int
        /// Records a second over this run.
        public var rate: Double
        /// Seconds left at this run's rate, when it can tell.
        public var secondsLeft: Double?
    }

    /// Runs the backfill to its end (or resumes it); returns the state with the backfill done.
    public func run(report: @Sendable (Report) -> Void = { _ in }) async throws -> MoveState {
        let phases = MovePhases(store: states)
        var state = try await phases.active()
        let phase = state.phase
        guard phase == .dualWrite || phase == .canary || phase == .cutover else {
            throw MoveError.wrongPhase(command: "backfill", phase: phase, needs: "dual_write, canary or cutover")
        }
        if state.backfill.done || state.mirrorFailures > 0 {
            // Copy everything again (each row is written once whatever it finds there); a write that misses a side
            // from now on is counted again.
            state = try await phases.update {
                $0.backfill = BackfillProgress()
                $0.mirrorFailures = 0
                $0.verifiedAt = nil
            }
        }
        // Writes made before every process saw the move reach the source only: wait until none can still be under way.
        let wait = state.dualWriteFrom.microseconds - Timestamp.wallClock.microseconds
        if wait > 0 { try await Task.sleep(for: .microseconds(wait)) }

        guard let ontologyText = try await source.ontologySource() else { return try await markDone(phases) }
        let (ontology, toStore) = try await target.resolveOntology(source: ontologyText)
        if toStore != nil { try await target.setOntology(source: ontologyText) }
        let total = try await countEntities()
        let clock = ContinuousClock()
        let began = clock.now
        let secondsBefore = state.backfill.seconds
        var copied = 0
        var entitiesThisRun = 0
        var progress = state.backfill
        var refs = EntityRefLookup(store: source)
        let moveID = state.id
        while !progress.done {
            let batchBegan = clock.now
            var counts = DumpCounts()
            if !progress.entitiesDone {
                let page = try await source.entities(after: progress.after, limit: batchSize)
                if let last = page.last {
                    let lines = RecordLineBuffer()
                    refs.remember(page)
                    try await MemoryExporter.recordLines(of: page, from: source, to: lines, counts: &counts, refs: &refs)
                    for handle in page { lines.named(handle) }
                    try await RowCopy(target: target).write(lines, ontology: ontology)
                    // Killed here, the batch is on the target and the place reached is not stored: the next run copies it again.
                    try FaultPoint.reached("move.backfill-batch")
                    progress.after = last.id
                    progress.entities += page.count
                    progress.records += counts.records
                    copied += counts.records
                    entitiesThisRun += page.count
                    MoveMetrics.backfilled(records: counts.records, documents: 0)
                } else {
                    progress.entitiesDone = true
                }
            } else {
                let copiedDocuments = try await copyDocuments(after: progress.documentsAfter)
                if let last = copiedDocuments.last {
                    progress.documentsAfter = last
                    progress.documents += copiedDocuments.count
                    MoveMetrics.backfilled(records: 0, documents: copiedDocuments.count)
                } else {
                    progress.done = true
                }
            }
            let elapsed = (clock.now - began) / .seconds(1)
            progress.seconds = secondsBefore + elapsed
            let saved = progress
            state = try await phases.update { state in
                // A rollback (or another move) meanwhile stops this run: what it copied stays, and harms nothing.
                guard state.id == moveID, state.phase == phase else { throw MoveError.phaseChanged(from: phase, to: state.phase) }
                state.backfill = saved
            }
            let entityRate = elapsed > 0 ? Double(entitiesThisRun) / elapsed : 0
            let left: Double? = progress.done ? 0 : (entityRate > 0 ? Double(max(0, total - progress.entities)) / entityRate : nil)
            report(Report(progress: progress, totalEntities: total, rate: elapsed > 0 ? Double(copied) / elapsed : 0, secondsLeft: left))
            try await throttle(records: counts.records, since: batchBegan)
        }
        return state
    }

    private func markDone(_ phases: MovePhases) async throws -> MoveState {
        try await phases.update { $0.backfill.done = true }
    }

    /// Copies the next page of documents (with their vectors); returns their ids.
    private func copyDocuments(after: EntityID?) async throws -> [EntityID] {
        let page = try await source.dumpedDocuments(after: after, limit: 50, vectors: true)
        guard !page.isEmpty else { return [] }
        guard let documents else { return [] }
        let embedder = try await source.embedder()
        for document in page { try await documents.restore(document, exportedBy: embedder) }
        return page.map(\.record.id)
    }

    /// How many entities the source holds (read as ids, a page at a time).
    private func countEntities() async throws -> Int {
        var count = 0
        var after: EntityID?
        while true {
            let page = try await source.entities(after: after, limit: 10_000)
            guard let last = page.last else { return count }
            count += page.count
            after = last.id
        }
    }

    /// Sleeps long enough that the batch's records went no faster than the throttle.
    private func throttle(records: Int, since began: ContinuousClock.Instant) async throws {
        guard let maxRecordsPerSecond, maxRecordsPerSecond > 0, records > 0 else { return }
        let budget = Duration.seconds(Double(records) / Double(maxRecordsPerSecond))
        let spent = ContinuousClock.now - began
        if spent < budget { try await Task.sleep(for: budget - spent) }
    }
}
