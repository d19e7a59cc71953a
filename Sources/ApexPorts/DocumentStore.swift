public import ApexCore
import Dispatch
import Foundation

/// Where documents, their chunks (text, offsets, embeddings) and their entity mentions live; full-text search runs here.
public protocol DocumentStore: Sendable {
    /// The embedder the stored vectors were made with, if any were stored.
    func embedder() async throws -> EmbedderIdentity?

    /// Stores a document with its chunks and mentions in one transaction, replacing an existing one with the same id.
    ///
    /// - Returns: the row ids of the new chunks, in order (the ids the vector store indexes), of the chunks replaced,
    ///   and the vector generation the change brought the store to.
    func saveDocument(_ document: DocumentRecord, chunks: [ChunkRecord], mentions: [EntityID], embedder: EmbedderIdentity) async throws
        -> (inserted: [Int64], removed: [Int64], generation: Int64)

    /// The document with this id.
    func document(_ id: EntityID) async throws -> DocumentRecord?

    /// Removes the document, its chunks, full-text rows and mentions; returns the chunk row ids removed and the new
    /// vector generation, nil if there was no such document.
    func deleteDocument(_ id: EntityID) async throws -> (removed: [Int64], generation: Int64)?

    /// A counter that every change to stored chunks increases: a saved vector index built at this value is current.
    func vectorGeneration() async throws -> Int64

    /// Chunks whose text matches `query` (FTS5 syntax-safe), best (BM25) first, restricted to documents whose metadata match `filters`.
    func textSearch(_ query: String, limit: Int, filters: [String: String]) async throws -> [ChunkHit]

    /// The chunks with these row ids.
    func chunks(_ rowIDs: [Int64]) async throws -> [ChunkHit]

    /// The stored vectors of these chunks (those that exist), for an int8 index to re-score its best candidates with.
    func chunkVectors(_ rowIDs: [Int64]) async throws -> [Int64: [Float]]

    /// Every chunk's vector and its document's metadata, to build a vector index from.
    func allChunkVectors() async throws -> [(rowID: Int64, vector: [Float], metadata: [String: String])]

    /// Entities whose key, or current `name`, occurs in `text` (case-insensitive).
    func entitiesMentioned(in text: String) async throws -> [EntityID]

    /// Documents that mention the entity.
    func documents(mentioning entity: EntityID) async throws -> [DocumentSummary]

    /// The entities these documents mention.
    func entities(mentionedBy documents: [EntityID]) async throws -> [EntityHandle]
}

/// A document as stored.
public struct DocumentRecord: Sendable, Equatable {
    public var id: EntityID
    public var title: String
    public var content: String
    /// A JSON object.
    public var metadata: JSONValue
    public var source: String?
    public var referenceTime: Timestamp?
    public var recordedAt: Timestamp
    public var chunkCount: Int

    public init(
        id: EntityID, title: String, content: String, metadata: JSONValue, source: String?, referenceTime: Timestamp?, recordedAt: Timestamp,
        chunkCount: Int = 0
    ) {
        self.id = id
        self.title = title
        self.content = content
        self.metadata = metadata
        self.source = source
        self.referenceTime = referenceTime
        self.recordedAt = recordedAt
        self.chunkCount = chunkCount
    }
}

/// A chunk to store: where it lies in its document and its embedding.
public struct ChunkRecord: Sendable, Equatable {
    public var chunk: TextChunk
    public var embedding: [Float]

    public init(chunk: TextChunk, embedding: [Float]) {
        self.chunk = chunk
        self.embedding = embedding
    }
}

/// A stored chunk returned by a search.
public struct ChunkHit: Sendable, Equatable {
    public var rowID: Int64
    public var documentID: EntityID
    public var start: Int
    public var end: Int
    public var text: String
    /// The store's own score (BM25, larger is better), when it ranked the chunk.
    public var score: Double

    public init(rowID: Int64, documentID: EntityID, start: Int, end: Int, text: String, score: Double) {
        self.rowID = rowID
        self.documentID = documentID
        self.start = start
        self.end = end
        self.text = text
        self.score = score
    }
}

/// A document's id and title, for lists.
public struct DocumentSummary: Sendable, Equatable {
    public var id: EntityID
    public var title: String

    public init(id: EntityID, title: String) {
        self.id = id
        self.title = title
    }
}

/// Which embedder made the stored vectors: a mismatch at start is an error, not silent garbage.
public struct EmbedderIdentity: Sendable, Equatable {
    public var name: String
    public var dimension: Int

    public init(name: String, dimension: Int) {
        self.name = name
        self.dimension = dimension
    }
}

/// Turns texts into vectors.
public protocol Embedder: Sendable {
    var identity: EmbedderIdentity { get }
    func embed(_ texts: [String]) async throws -> [[Float]]
}

extension FeatureHashingEmbedder: Embedder {
    public var identity: EmbedderIdentity { EmbedderIdentity(name: Self.identityName, dimension: dimension) }

    /// Embeds on every core when there are enough texts to share out.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        guard texts.count >= 64, threads > 1 else { return texts.map { embed($0) } }
        let results = EmbeddingSlots(count: texts.count)
        let embedder = self
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in stride(from: thread, to: texts.count, by: threads) { results.set(index, embedder.embed(texts[index])) }
        }
        return results.vectors
    }
}

/// One slot per text, each written by exactly one thread of an embedder sharing a batch over cores
/// (``FeatureHashingEmbedder/embed(_:)``, the MiniLM embedder).
package final class EmbeddingSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<[Float]>

    package init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: [])
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    /// Sound without a lock: every index is written once, by one thread, and read only after all threads finished.
    package func set(_ index: Int, _ vector: [Float]) {
        slots[index] = vector
    }

    package var vectors: [[Float]] { Array(slots) }
}
