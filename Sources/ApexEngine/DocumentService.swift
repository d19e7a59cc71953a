public import ApexCore
public import ApexPorts
import Foundation

/// Documents as episodes: chunked, embedded, indexed for vector and full-text search, linked to the entities they mention.
///
/// Seed 001/002's retrieval layer over the ports: the record store keeps
/// documents, chunks (with their vectors) and the full-text index; the vector
/// store indexes the vectors; search fuses both by reciprocal rank.
public struct DocumentService: Sendable {
    public let store: any TemporalStore
    /// Where the embedder and vector index of the live collection version are found.
    public let router: any VectorRouter
    public let chunker: TextChunker
    /// The cache of search answers, if any: every document write invalidates them (docs/cache.md).
    public let cache: MemoryCache?
    private let ids: UUIDv7Generator
    private let clock: @Sendable () -> Timestamp

    /// Reciprocal rank fusion constant (k = 60).
    public static let fusionConstant = 60.0

    public init(
        store: any TemporalStore, vectors: any VectorStore, embedder: any Embedder, chunker: TextChunker = TextChunker(), cache: MemoryCache? = nil,
        ids: UUIDv7Generator = UUIDv7Generator(), clock: @escaping @Sendable () -> Timestamp = MemoryService.systemClock
    ) {
        self.init(
            store: store, router: FixedVectorRouter(VectorRoute(version: 0, embedder: embedder, vectors: vectors)), chunker: chunker, cache: cache,
            ids: ids, clock: clock)
    }

    /// A service whose searches and writes follow `router` (the live collection version).
    public init(
        store: any TemporalStore, router: any VectorRouter, chunker: TextChunker = TextChunker(), cache: MemoryCache? = nil,
        ids: UUIDv7Generator = UUIDv7Generator(), clock: @escaping @Sendable () -> Timestamp = MemoryService.systemClock
    ) {
        self.cache = cache
        self.store = store
        self.router = router
        self.chunker = chunker
        self.ids = ids
        self.clock = clock
    }

    /// Refuses to work with an embedder other than the one the stored vectors were made with.
    public func checkEmbedder() async throws {
        _ = try await checkedRoute()
    }

    /// The route whose embedder made the stored vectors: looked up again once when the store's embedder moved (a
    /// collection version with another embedder was swapped in), an error if it still differs.
    func checkedRoute() async throws -> VectorRoute {
        var route = try await router.route(refresh: false)
        guard let stored = try await store.embedder(), stored != route.embedder.identity else { return route }
        route = try await router.route(refresh: true)
        guard stored == route.embedder.identity else {
            throw DocumentError.embedderMismatch(stored: stored, configured: route.embedder.identity)
        }
        return route
    }

    /// Stores a new document (or replaces the one with `id`): chunks, embeddings, full-text rows and mentions.
    public func save(_ input: DocumentInput, id: EntityID? = nil) async throws -> DocumentRecord {
        let route = try await checkedRoute()
        let embedder = route.embedder
        try input.validate()
        let now = clock()
        let documentID = id ?? ids.next(unixMilliseconds: UInt64(max(0, now.microseconds / 1000)))
        let chunks = chunker.chunks(of: input.content)
        let embeddings = chunks.isEmpty ? [] : try await embedder.embed(chunks.map(\.text))
        guard embeddings.count == chunks.count, embeddings.allSatisfy({ $0.count == embedder.identity.dimension }) else {
            throw DocumentError.embedderFailed(reason: "it returned vectors of the wrong number or size")
        }
        let mentions = try await store.entitiesMentioned(in: input.title + "\n" + input.content)
        let record = DocumentRecord(
            id: documentID, title: input.title, content: input.content, metadata: input.metadata, source: input.source,
            referenceTime: input.referenceTime, recordedAt: now, chunkCount: chunks.count)
        try await invalidatingSearches {
            let (rowIDs, previous, generation) = try await store.saveDocument(
                record, chunks: zip(chunks, embeddings).map(ChunkRecord.init), mentions: mentions, embedder: embedder.identity)
            let payload = input.metadata.scalarFields
            try await route.vectors.apply(
                removing: previous, adding: zip(rowIDs, embeddings).map { VectorItem(id: $0, vector: $1, payload: payload) }, generation: generation)
        }
        return record
    }

    /// The document with this id.
    public func document(_ id: EntityID) async throws -> DocumentRecord {
        guard let record = try await store.document(id) else { throw DocumentError.unknownDocument(id.description) }
        return record
    }

    /// Removes the document, its chunks, vectors, full-text rows and mentions, and nothing else.
    public func delete(_ id: EntityID) async throws {
        try await invalidatingSearches {
            guard let (removed, generation) = try await store.deleteDocument(id) else { throw DocumentError.unknownDocument(id.description) }
            try await router.route(refresh: false).vectors.apply(removing: removed, adding: [], generation: generation)
        }
    }

    /// Chunks matching `query`, best first: by vector, by text (BM25), or both fused by reciprocal rank.
    public func search(_ query: String, mode: SearchMode = .hybrid, limit: Int = 10, filters: [String: String] = [:]) async throws -> [SearchResult] {
        for field in filters.keys where !Self.isFieldName(field) {
            throw DocumentError.badFilter(field: field)
        }
        guard let cache else { return try await searchStores(query, mode: mode, limit: limit, filters: filters) }
        // Each part with its length, so that no two questions share a key.
        let parts = [String(describing: mode), String(limit), query] + filters.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }
        let key = CacheKey(.queryResult, owner: Self.documentsOwner, question: "search|" + parts.map { "\($0.utf8.count):\($0)" }.joined())
        return try await cache.value(
            key, decode: { try? SearchResultCodec.decode($0) }, accept: { _ in true },
            compute: {
                let results = try await searchStores(query, mode: mode, limit: limit, filters: filters)
                return MemoryCache.Computed(value: results, fill: MemoryCache.Fill(key: key, bytes: SearchResultCodec.encode(results), partners: []))
            })
    }

    /// The owner of every cached search answer: a document write names it, so that all of them go.
    static let documentsOwner = EntityRef(type: "apex.documents", key: "*")

    /// Runs a document write between the cache's two invalidations of the search answers.
    func invalidatingSearches(_ write: () async throws -> Void) async throws {
        guard let cache else { return try await write() }
        try await cache.invalidating(CacheWriteScope(entities: [Self.documentsOwner]), write)
    }

    /// The search itself, over the stores.
    private func searchStores(_ query: String, mode: SearchMode, limit: Int, filters: [String: String]) async throws -> [SearchResult] {
        let route = mode == .text ? nil : try await checkedRoute()
        let depth = max(limit * 5, 50)
        var vectorRanks: [Int64: Int] = [:]
        var textRanks: [Int64: Int] = [:]
        var hits: [Int64: ChunkHit] = [:]
        if let route {
            let embedded = try await route.embedder.embed([query])
            if let vector = embedded.first, vector.contains(where: { $0 != 0 }) {
                let found = try await route.vectors.search(vector, limit: depth, filter: filters)
                for (rank, hit) in found.enumerated() { vectorRanks[hit.id] = rank + 1 }
                for chunk in try await store.chunks(found.map(\.id)) { hits[chunk.rowID] = chunk }
            }
        }
        if mode != .vector {
            for (rank, chunk) in try await store.textSearch(query, limit: depth, filters: filters).enumerated() {
                textRanks[chunk.rowID] = rank + 1
                hits[chunk.rowID] = chunk
            }
        }
        let scored = hits.values.map { chunk -> SearchResult in
            let vectorRank = vectorRanks[chunk.rowID]
            let textRank = textRanks[chunk.rowID]
            let score = [vectorRank, textRank].compactMap { $0 }.reduce(0.0) { $0 + 1 / (Self.fusionConstant + Double($1)) }
            return SearchResult(chunk: chunk, score: score, vectorRank: vectorRank, textRank: textRank)
        }
        return scored.sorted { ($0.score, $1.chunk.rowID) > ($1.score, $0.chunk.rowID) }.prefix(limit).map { $0 }
    }

    /// The entities the documents of `results` mention, in the order the results first name them.
    public func entities(mentionedIn results: [SearchResult]) async throws -> [EntityHandle] {
        var documents: [EntityID] = []
        for result in results where !documents.contains(result.chunk.documentID) { documents.append(result.chunk.documentID) }
        return try await store.entities(mentionedBy: documents)
    }

    /// Documents that mention the entity.
    public func documents(mentioning entity: EntityID) async throws -> [DocumentSummary] {
        try await store.documents(mentioning: entity)
    }

    static func isFieldName(_ field: String) -> Bool {
        VectorCollectionSpec.isFieldName(field)
    }
}

/// How `search` ranks.
public enum SearchMode: String, Sendable, CaseIterable {
    case hybrid, vector, text
}

/// A document as submitted.
public struct DocumentInput: Sendable {
    public var title: String
    public var content: String
    /// A JSON object; its string, number and boolean fields can be searched by.
    public var metadata: JSONValue
    public var source: String?
    public var referenceTime: Timestamp?

    public init(title: String, content: String, metadata: JSONValue = [:], source: String? = nil, referenceTime: Timestamp? = nil) {
        self.title = title
        self.content = content
        self.metadata = metadata
        self.source = source
        self.referenceTime = referenceTime
    }

    func validate() throws(DocumentError) {
        guard !title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .badDocument(reason: "title is empty") }
        guard !content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .badDocument(reason: "content is empty") }
        guard case .object = metadata else { throw .badDocument(reason: "metadata must be a JSON object") }
        for (field, text) in [("title", title), ("content", content), ("source", source ?? "")] where text.containsNUL {
            throw .badDocument(reason: "\(field) holds the character U+0000 (NUL), which the memory does not store")
        }
        if let path = metadata.pathOfNUL("metadata") {
            throw .badDocument(reason: "\(path) holds the character U+0000 (NUL), which the memory does not store")
        }
    }
}

/// One search result: a chunk, its fused score and its rank in each list it appeared in.
public struct SearchResult: Sendable, Equatable {
    public var chunk: ChunkHit
    public var score: Double
    public var vectorRank: Int?
    public var textRank: Int?

    /// The JSON the API returns.
    public var json: JSONValue {
        .object([
            ("document_id", .string(chunk.documentID.description)),
            ("chunk_id", .integer(chunk.rowID)),
            ("start", .integer(Int64(chunk.start))),
            ("end", .integer(Int64(chunk.end))),
            ("text", .string(chunk.text)),
            ("score", .number(score)),
            ("ranks", .object([("vector", vectorRank.map { .integer(Int64($0)) } ?? .null), ("text", textRank.map { .integer(Int64($0)) } ?? .null)])),
        ])
    }
}

/// Why a document operation failed. Each case reads as one sentence.
public enum DocumentError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownDocument(String)
    case badDocument(reason: String)
    case badFilter(field: String)
    case embedderMismatch(stored: EmbedderIdentity, configured: EmbedderIdentity)
    case embedderFailed(reason: String)

    public var description: String {
        switch self {
        case .unknownDocument(let id): "unknown document \(id)"
        case .badDocument(let reason): "the document is not valid: \(reason)"
        case .badFilter(let field): "filter field \"\(field)\" must be letters, digits, '_' or '-'"
        case .embedderMismatch(let stored, let configured):
            "the stored vectors were made by \(stored.name) (\(stored.dimension) dimensions), not by \(configured.name) (\(configured.dimension)); re-embed or configure the same embedder"
        case .embedderFailed(let reason): "the embedder failed: \(reason)"
        }
    }
}
