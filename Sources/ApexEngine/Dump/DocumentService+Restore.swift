import ApexCore
public import ApexPorts

extension DocumentService {
    /// Stores a document as an export holds it: its id, recorded time and mentions kept, and its exported vectors when
    /// they fit (made by this embedder, chunked as this chunker chunks); otherwise its chunks are embedded again.
    ///
    /// - Returns: true when the exported vectors were used.
    @discardableResult
    public func restore(_ dumped: DumpedDocument, exportedBy embedder: EmbedderIdentity?) async throws -> Bool {
        let route = try await checkedRoute()
        let record = dumped.record
        let chunks = chunker.chunks(of: record.content)
        let fits =
            embedder == route.embedder.identity && dumped.chunks.count == chunks.count
            && zip(dumped.chunks, chunks).allSatisfy { $0.start == $1.start && $0.end == $1.end && $0.embedding.count == route.embedder.identity.dimension }
        let embeddings = fits ? dumped.chunks.map(\.embedding) : (chunks.isEmpty ? [] : try await route.embedder.embed(chunks.map(\.text)))
        guard embeddings.count == chunks.count, embeddings.allSatisfy({ $0.count == route.embedder.identity.dimension }) else {
            throw DocumentError.embedderFailed(reason: "it returned vectors of the wrong number or size")
        }
        var stored = record
        stored.chunkCount = chunks.count
        try await invalidatingSearches {
            let (rowIDs, previous, generation) = try await store.saveDocument(
                stored, chunks: zip(chunks, embeddings).map(ChunkRecord.init), mentions: dumped.mentions, embedder: route.embedder.identity)
            let payload = record.metadata.scalarFields
            try await route.vectors.apply(
                removing: previous, adding: zip(rowIDs, embeddings).map { VectorItem(id: $0, vector: $1, payload: payload) }, generation: generation)
        }
        return fits
    }
}
