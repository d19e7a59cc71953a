import ApexCore
public import ApexPorts
import Foundation

/// Moves the memory's vectors to a new collection spec beside the live version, then swaps the alias
/// (`apex vectors migrate`, docs/vectors.md).
///
/// Three phases, each safe to kill: chunks are embedded with the new
/// embedder in batches (only when the embedder changes; each batch commits
/// its vectors, so a new run goes on from the first chunk without one), the
/// version's index is built, and the swap makes it live in one transaction of
/// the record store, only if no chunk changed since the index was built
/// (else the changes are embedded and applied, and the swap tried again).
/// The version it replaces is kept, with its vectors, for ``rollback()``.
public struct VectorMigration: Sendable {
    public let collections: any VectorCollectionStore
    public let documents: any DocumentStore
    public let indexer: any VectorCollectionIndexer
    /// The embedder of a spec (the offline one of any dimension; an API's when it is configured).
    public let embedderFor: @Sendable (EmbedderIdentity) throws -> any Embedder
    /// The spec of version 1 when the store has no vector stored yet.
    public let fallback: VectorCollectionSpec
    public var batchSize = 1_000
    /// Attempts per batch before the run stops (it can be resumed).
    public var attempts = 3
    /// The pause before the first retry; each later one doubles it.
    public var retryDelay: Duration = .milliseconds(500)
    public var progress: @Sendable (VectorMigrationEvent) -> Void

    public init(
        collections: any VectorCollectionStore, documents: any DocumentStore, indexer: any VectorCollectionIndexer,
        embedderFor: @escaping @Sendable (EmbedderIdentity) throws -> any Embedder, fallback: VectorCollectionSpec,
        progress: @escaping @Sendable (VectorMigrationEvent) -> Void = { _ in }
    ) {
        self.collections = collections
        self.documents = documents
        self.indexer = indexer
        self.embedderFor = embedderFor
        self.fallback = fallback
        self.progress = progress
    }

    /// The live version: the recorded one, or version 1 as the stored vectors are (nothing recorded yet).
    public func live() async throws -> VectorCollectionVersion {
        try await Self.live(collections: collections, documents: documents, fallback: fallback)
    }

    /// The live version of a store (see ``live()``).
    public static func live(collections: any VectorCollectionStore, documents: any DocumentStore, fallback: VectorCollectionSpec) async throws
        -> VectorCollectionVersion
    {
        if let live = try await collections.vectorCollections().first(where: { $0.state == .live }) { return live }
        let embedder = try await documents.embedder()
        let spec = embedder.map { VectorCollectionSpec(embedder: $0) } ?? fallback
        return VectorCollectionVersion(version: 1, spec: spec, state: .live, createdAt: Timestamp(microseconds: 0), swappedAt: nil)
    }

    /// What ``run(to:)`` would do, with an estimate from a sample; changes nothing.
    public func plan(to spec: VectorCollectionSpec) async throws -> VectorMigrationPlan {
        let live = try await live()
        let chunks = try await collections.chunkCount()
        let existing = try await collections.vectorCollections().first { ($0.state == .building || $0.state == .ready) && $0.spec == spec }
        let reembed = spec.needsReembedding(from: live.spec)
        var toEmbed = reembed ? chunks : 0
        if reembed, let existing { toEmbed = try await collections.chunksMissingVectors(version: existing.version) }
        var embedRate: Double?
        if toEmbed > 0 {
            let sample = try await collections.chunksToEmbed(version: existing?.version ?? -1, after: 0, limit: min(200, toEmbed))
            let embedder = try checkedEmbedder(spec)
            let clock = ContinuousClock()
            let elapsed = try await clock.measure { _ = try await embedder.embed(sample.map(\.text)) }
            embedRate = Double(sample.count) / max(elapsed / .seconds(1), 1e-6)
        }
        return VectorMigrationPlan(
            live: live, target: spec, resuming: existing?.version, chunks: chunks, toEmbed: toEmbed, embedRate: embedRate, unchanged: spec == live.spec)
    }

    /// Builds `spec` beside the live version (resuming a version of that spec a killed run left) and swaps it in.
    @discardableResult
    public func run(to spec: VectorCollectionSpec) async throws -> VectorMigrationReport {
        let live = try await live()
        guard spec != live.spec else { return VectorMigrationReport(from: live.version, to: live.version, embedded: 0, indexed: 0) }
        _ = try checkedEmbedder(spec)
        let versions = try await collections.vectorCollections()
        // A version of another spec left building is given up: the newest request wins.
        for abandoned in versions where abandoned.state == .building && abandoned.spec != spec {
            progress(.abandoned(version: abandoned.version))
            try await collections.setVectorCollectionState(abandoned.version, to: .retired)
            try await indexer.drop(version: abandoned.version)
        }
        let target: VectorCollectionVersion
        if let existing = versions.first(where: { ($0.state == .building || $0.state == .ready) && $0.spec == spec }) {
            target = existing
            progress(.resuming(version: existing.version))
        } else {
            target = try await collections.beginVectorCollection(spec, first: live.spec)
            progress(.began(version: target.version))
        }
        return try await bringUp(target, replacing: live)
    }

    /// Makes the version that was live before the current one live again; it is brought up to date first (chunks
    /// added since embedded with its embedder, its index updated) unless nothing changed.
    @discardableResult
    public func rollback() async throws -> VectorMigrationReport {
        let live = try await live()
        let previous = try await collections.vectorCollections()
            .filter { $0.state == .ready && $0.swappedAt != nil }
            .max { ($0.swappedAt?.microseconds ?? 0) < ($1.swappedAt?.microseconds ?? 0) }
        guard let previous else { throw VectorMigrationError.nothingToRollBack }
        _ = try checkedEmbedder(previous.spec)
        return try await bringUp(previous, replacing: live)
    }

    /// Embeds what is missing, builds (or reuses) the index, and swaps, catching up until no chunk changed in between.
    private func bringUp(_ target: VectorCollectionVersion, replacing live: VectorCollectionVersion) async throws -> VectorMigrationReport {
        let own = target.spec.needsReembedding(from: live.spec)
        var embedded = own ? try await embedMissing(target) : 0
        var generation = try await documents.vectorGeneration()
        var items = try await collections.collectionVectors(version: target.version, own: own)
        if await indexer.hasIndex(version: target.version, spec: target.spec, generation: generation) {
            progress(.indexKept(version: target.version))
        } else {
            progress(.indexing(done: 0, total: items.count))
            let total = items.count
            try await indexer.build(version: target.version, spec: target.spec, items: items, generation: generation) { done in
                progress(.indexing(done: done, total: total))
            }
        }
        try FaultPoint.reached("vectors.indexed")
        // Writes that landed meanwhile: embed and index them, then try again; a memory written to without pause
        // for this long is refused rather than chased forever.
        for _ in 0..<20 {
            if try await collections.swapVectorCollection(to: target.version, ifGeneration: generation) {
                progress(.swapped(from: live.version, to: target.version))
                return VectorMigrationReport(from: live.version, to: target.version, embedded: embedded, indexed: items.count)
            }
            progress(.catchingUp)
            if own { embedded += try await embedMissing(target) }
            generation = try await documents.vectorGeneration()
            items = try await collections.collectionVectors(version: target.version, own: own)
            if !(try await indexer.update(version: target.version, spec: target.spec, items: items, generation: generation)) {
                let total = items.count
                try await indexer.build(version: target.version, spec: target.spec, items: items, generation: generation) { done in
                    progress(.indexing(done: done, total: total))
                }
            }
        }
        throw VectorMigrationError.tooBusy(version: target.version)
    }

    /// Embeds, batch by batch, every chunk that has no vector of `target` yet; returns how many.
    private func embedMissing(_ target: VectorCollectionVersion) async throws -> Int {
        let embedder = try checkedEmbedder(target.spec)
        let total = try await collections.chunksMissingVectors(version: target.version)
        guard total > 0 else { return 0 }
        var done = 0
        var cursor: Int64 = 0
        progress(.embedding(done: 0, total: total))
        while true {
            let batch = try await collections.chunksToEmbed(version: target.version, after: cursor, limit: batchSize)
            guard let last = batch.last else { break }
            let vectors = try await embedWithRetries(embedder, batch)
            try await collections.saveCollectionVectors(zip(batch, vectors).map { ($0.rowID, $1) }, version: target.version)
            cursor = last.rowID
            done += batch.count
            try FaultPoint.reached("vectors.embedded-batch")
            progress(.embedding(done: done, total: max(total, done)))
        }
        return done
    }

    private func embedWithRetries(_ embedder: any Embedder, _ batch: [ChunkText]) async throws -> [[Float]] {
        var delay = retryDelay
        for attempt in 1...max(1, attempts) {
            do {
                let vectors = try await embedder.embed(batch.map(\.text))
                guard vectors.count == batch.count, vectors.allSatisfy({ $0.count == embedder.identity.dimension }) else {
                    throw VectorMigrationError.embedderFailed(reason: "it returned vectors of the wrong number or size")
                }
                return vectors
            } catch {
                guard attempt < attempts else {
                    throw VectorMigrationError.batchFailed(firstChunk: batch.first?.rowID ?? 0, attempts: attempts, reason: "\(error)")
                }
                progress(.retrying(firstChunk: batch.first?.rowID ?? 0, attempt: attempt, reason: "\(error)"))
                try await Task.sleep(for: delay)
                delay *= 2
            }
        }
        return []
    }

    private func checkedEmbedder(_ spec: VectorCollectionSpec) throws -> any Embedder {
        let embedder = try embedderFor(spec.embedder)
        guard embedder.identity == spec.embedder else {
            throw VectorMigrationError.noEmbedder(spec.embedder.name, spec.embedder.dimension)
        }
        return embedder
    }
}

/// What a vector migration is doing, for progress lines.
public enum VectorMigrationEvent: Sendable, Equatable {
    case began(version: Int)
    case resuming(version: Int)
    case abandoned(version: Int)
    case embedding(done: Int, total: Int)
    case retrying(firstChunk: Int64, attempt: Int, reason: String)
    case indexing(done: Int, total: Int)
    case indexKept(version: Int)
    case catchingUp
    case swapped(from: Int, to: Int)
}

/// What a dry run found.
public struct VectorMigrationPlan: Sendable, Equatable {
    public var live: VectorCollectionVersion
    public var target: VectorCollectionSpec
    /// The version a killed run left, which the run resumes.
    public var resuming: Int?
    public var chunks: Int
    /// Chunks still to embed (0 when only the index changes).
    public var toEmbed: Int
    /// Chunks per second of the new embedder on a sample, when it has to run.
    public var embedRate: Double?
    public var unchanged: Bool
}

/// What a run did.
public struct VectorMigrationReport: Sendable, Equatable {
    public var from: Int
    public var to: Int
    public var embedded: Int
    public var indexed: Int
}

/// Why a vector migration stopped. Each case reads as one sentence.
public enum VectorMigrationError: Error, Sendable, Equatable, CustomStringConvertible {
    case nothingToRollBack
    case noEmbedder(String, Int)
    case embedderFailed(reason: String)
    case batchFailed(firstChunk: Int64, attempts: Int, reason: String)
    case tooBusy(version: Int)

    public var description: String {
        switch self {
        case .nothingToRollBack: "there is no earlier vector collection version to roll back to"
        case .noEmbedder(let name, let dimension):
            "no embedder for \(name) with \(dimension) dimensions is configured (the offline hashing embedder has any dimension; an API's needs --embedder openai with its URL and model)"
        case .embedderFailed(let reason): "the embedder failed: \(reason)"
        case .batchFailed(let chunk, let attempts, let reason):
            "embedding the batch from chunk \(chunk) failed \(attempts) times (\(reason)); what was embedded is kept: run the same command again to resume"
        case .tooBusy(let version):
            "chunks kept changing while version \(version) was caught up; it is kept: run the migration again when writes pause"
        }
    }
}
