public import ApexCore

/// One version of the memory's vector collection: its spec and where it stands.
public struct VectorCollectionVersion: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Being built by `apex vectors migrate` (perhaps by a process that was killed: a new run resumes it).
        case building
        /// Built, not live: the version a rollback goes back to, or one built and not yet swapped in.
        case ready
        /// The alias: every search and write goes to it.
        case live
        /// Given up (`apex vectors drop`); its vectors are gone.
        case retired
    }

    public var version: Int
    public var spec: VectorCollectionSpec
    public var state: State
    public var createdAt: Timestamp
    /// When it last became live.
    public var swappedAt: Timestamp?

    public init(version: Int, spec: VectorCollectionSpec, state: State, createdAt: Timestamp, swappedAt: Timestamp?) {
        self.version = version
        self.spec = spec
        self.state = state
        self.createdAt = createdAt
        self.swappedAt = swappedAt
    }
}

/// A chunk's text, to embed for a version with another embedder.
public struct ChunkText: Sendable, Equatable {
    public var rowID: Int64
    public var text: String

    public init(rowID: Int64, text: String) {
        self.rowID = rowID
        self.text = text
    }
}

/// The record store's side of vector collection versions (docs/vectors.md): the versions, the vectors of versions
/// whose embedder is not the live one's, and the swap.
///
/// The chunks' own vectors are always the live version's; a version with
/// another embedder keeps its own until ``swapVectorCollection(to:ifGeneration:)``
/// exchanges them, in one transaction, with the vectors of the version it
/// replaces (kept for a rollback).
public protocol VectorCollectionStore: Sendable {
    /// Every version, oldest first. A store whose vectors never moved has none recorded: its first version is
    /// recorded by ``beginVectorCollection(_:first:)``.
    func vectorCollections() async throws -> [VectorCollectionVersion]

    /// Records `spec` as a new version being built and returns it; records `first` as the live version 1 on the way
    /// when no version is recorded yet.
    func beginVectorCollection(_ spec: VectorCollectionSpec, first: VectorCollectionSpec) async throws -> VectorCollectionVersion

    /// Sets a version's state (a built version becomes `ready`; `retired` also drops its own vectors).
    func setVectorCollectionState(_ version: Int, to state: VectorCollectionVersion.State) async throws

    /// How many chunks there are.
    func chunkCount() async throws -> Int

    /// How many chunks have no vector of `version` yet.
    func chunksMissingVectors(version: Int) async throws -> Int

    /// Up to `limit` chunks after `rowID`, in row id order, that have no vector of `version` yet.
    func chunksToEmbed(version: Int, after rowID: Int64, limit: Int) async throws -> [ChunkText]

    /// Stores vectors of `version` (one transaction); a chunk deleted meanwhile is skipped.
    func saveCollectionVectors(_ vectors: [(rowID: Int64, vector: [Float])], version: Int) async throws

    /// Every chunk's vector of `version` with its document's metadata, in row id order: the version's own vectors
    /// when `own`, else the chunks' (live) ones.
    func collectionVectors(version: Int, own: Bool) async throws -> [VectorItem]

    /// Makes `version` the live one, if the vector generation is still `generation` and, for a version with its own
    /// vectors, every chunk has one; false (and nothing changed) otherwise. With its own vectors, they become the
    /// chunks' and the chunks' go to the version that was live, as do the store's embedder identity.
    func swapVectorCollection(to version: Int, ifGeneration generation: Int64) async throws -> Bool
}

/// Where a collection version's index is built before it goes live: the in-process HNSW file on the embedded store,
/// an index of pgvector on PostgreSQL.
public protocol VectorCollectionIndexer: Sendable {
    /// Indexes `items` (every chunk's vector of the version, at vector generation `generation`) as `version`'s index,
    /// replacing whatever a killed run left; `progress` hears how many are indexed so far.
    func build(version: Int, spec: VectorCollectionSpec, items: [VectorItem], generation: Int64, progress: @escaping @Sendable (Int) -> Void) async throws

    /// Brings the index this indexer built for `version` to `items` (the chunks changed while it was built); false
    /// when it has none in hand, and the version must be built again.
    func update(version: Int, spec: VectorCollectionSpec, items: [VectorItem], generation: Int64) async throws -> Bool

    /// Whether `version` has an index of `spec` built at vector generation `generation` (a rollback with nothing
    /// changed since needs no build).
    func hasIndex(version: Int, spec: VectorCollectionSpec, generation: Int64) async -> Bool

    /// Removes `version`'s index.
    func drop(version: Int) async throws
}

extension VectorCollectionVersion {
    /// A version as a store keeps it (the spec as JSON text, the state by name, times in microseconds); nil when the
    /// spec or the state cannot be read.
    public init?(version: Int, storedSpec: String, state: String, createdAt: Int64, swappedAt: Int64?) {
        let placeholder = VectorCollectionSpec(embedder: EmbedderIdentity(name: "", dimension: 0))
        guard let json = try? JSONParser.parse(storedSpec), let spec = try? VectorCollectionSpec(json: json, base: placeholder),
            let state = State(rawValue: state)
        else { return nil }
        self.init(
            version: version, spec: spec, state: state, createdAt: Timestamp(microseconds: createdAt),
            swappedAt: swappedAt.map(Timestamp.init(microseconds:)))
    }
}
