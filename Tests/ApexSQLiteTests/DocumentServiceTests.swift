import ApexCore
import ApexEngine
import ApexPorts
import ApexSQLite
import ApexTesting
import ApexVector
import Foundation
import GRDB
import Testing

/// What only the embedded store does with documents: FTS5 rows, and the HNSW graph saved beside the file.
@Suite struct DocumentServiceTests {
    static let embedder = FeatureHashingEmbedder(dimension: 128)

    static func service(directory: String, embedder: FeatureHashingEmbedder = embedder) async throws -> (SQLiteStore, DocumentService) {
        let store = try await SQLiteStore.open(directory: directory)
        let vectors = EmbeddedVectorStore(dimension: embedder.dimension) {
            try await store.allChunkVectors().map { VectorItem(id: $0.rowID, vector: $0.vector, payload: $0.metadata) }
        }
        return (store, DocumentService(store: store, vectors: vectors, embedder: embedder, chunker: TextChunker(maximumTokens: 30, overlapTokens: 6)))
    }

    static let shopReport = """
        Unit 6520 went into the Dallas shop on March 1 with a failed DPF filter. The odometer read 441,200 miles.
        The shop replaced the filter and the turbo hose.
        """
    static let invoiceNote = "Invoice INV-12019 for load L-5010 was paid by ACME Corporation on April 3. Payment terms were net30."

    /// Deleting a document also removes its rows from the FTS5 index (the conformance suite checks the rest through the ports).
    @Test func deleteLeavesNoFullTextRow() async throws {
        let (store, documents) = try await Self.service(directory: try SpecFixtures.temporaryDirectory())
        let report = try await documents.save(DocumentInput(title: "Shop report", content: Self.shopReport))
        try await documents.delete(report.id)
        let rows = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'DPF'") }
        #expect(rows == 0)
    }

    /// Stored metadata that is not a JSON object is a damaged row, reported as such, never read as `{}`.
    @Test func corruptMetadataIsAnErrorNotAnEmptyObject() async throws {
        let (store, documents) = try await Self.service(directory: try SpecFixtures.temporaryDirectory())
        let report = try await documents.save(DocumentInput(title: "Shop report", content: Self.shopReport, metadata: ["unit": "6520"]))
        try await store.pool.write { db in try db.execute(sql: "UPDATE documents SET metadata = '{not json'") }
        await #expect(throws: SQLiteStoreError.self) { try await documents.document(report.id) }
        await #expect(throws: SQLiteStoreError.self) { try await store.allChunkVectors() }
    }
}

extension DocumentServiceTests {
    static func savedGraphService(directory: String) async throws -> (DocumentService, EmbeddedVectorStore) {
        let store = try await SQLiteStore.open(directory: directory)
        let vectors = EmbeddedVectorStore(
            dimension: 128, cacheFile: (directory as NSString).appendingPathComponent("vector-index.bin"),
            generation: { try await store.vectorGeneration() }
        ) {
            try await store.allChunkVectors().map { VectorItem(id: $0.rowID, vector: $0.vector, payload: $0.metadata) }
        }
        return (DocumentService(store: store, vectors: vectors, embedder: Self.embedder, chunker: TextChunker(maximumTokens: 30, overlapTokens: 6)), vectors)
    }

    /// The graph saved beside the store is used while it is current and rebuilt as soon as another writer changed the chunks.
    @Test func theSavedGraphIsUsedOnlyWhileCurrent() async throws {
        let directory = try SpecFixtures.temporaryDirectory()
        let (first, firstVectors) = try await Self.savedGraphService(directory: directory)
        _ = try await first.save(DocumentInput(title: "Shop report", content: Self.shopReport))
        _ = try await first.save(DocumentInput(title: "Invoice", content: Self.invoiceNote))
        let before = try await first.search("filter replaced in the shop", mode: .vector, limit: 5)
        try await firstVectors.flush()

        let (second, secondVectors) = try await Self.savedGraphService(directory: directory)
        #expect(try await second.search("filter replaced in the shop", mode: .vector, limit: 5) == before)
        #expect(await secondVectors.loadedFromFile)

        // Another process adds a document: the saved graph no longer matches, so the next start rebuilds.
        let (_, writer) = try await Self.service(directory: directory)
        let added = try await writer.save(DocumentInput(title: "Reefer", content: "The reefer unit on trailer T-312 failed near Memphis."))
        let (third, thirdVectors) = try await Self.savedGraphService(directory: directory)
        let found = try await third.search("reefer failed near Memphis", mode: .vector, limit: 3)
        #expect(found.first?.chunk.documentID == added.id)
        #expect(await thirdVectors.loadedFromFile == false)

        // A damaged file is rebuilt from the stored vectors, not trusted.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("vector-index.bin")))
        let (fourth, fourthVectors) = try await Self.savedGraphService(directory: directory)
        #expect(try await fourth.search("reefer failed near Memphis", mode: .vector, limit: 3).first?.chunk.documentID == added.id)
        #expect(await fourthVectors.loadedFromFile == false)
    }
}
