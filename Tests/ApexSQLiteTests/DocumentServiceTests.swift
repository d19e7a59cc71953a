import ApexCore
import ApexEngine
import ApexPorts
import ApexSQLite
import ApexTesting
import ApexVector
import Foundation
import GRDB
import Testing

/// Documents, chunks, vectors, full-text rows and mentions on the embedded store, with the in-process HNSW index.
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
        The shop replaced the filter and the turbo hose. Robert Miller dropped the tractor off and Linda Park picked it up on March 12.
        """
    static let invoiceNote = "Invoice INV-12019 for load L-5010 was paid by ACME Corporation on April 3. Payment terms were net30."

    @Test func chunksKeepOffsetsAndSearchFindsThem() async throws {
        let (_, documents) = try await Self.service(directory: try SpecFixtures.temporaryDirectory())
        let saved = try await documents.save(DocumentInput(title: "Shop report", content: Self.shopReport, metadata: ["kind": "maintenance"]))
        #expect(saved.chunkCount > 1)
        let scalars = Array(Self.shopReport.unicodeScalars)
        for mode in SearchMode.allCases {
            let results = try await documents.search("DPF filter replaced", mode: mode, limit: 5)
            #expect(!results.isEmpty, "no results in \(mode) mode")
            for result in results {
                #expect(result.chunk.text == String(String.UnicodeScalarView(scalars[result.chunk.start..<result.chunk.end])))
                #expect(result.chunk.documentID == saved.id)
            }
        }
    }

    @Test func fusionRanksAChunkFoundBothWaysFirst() async throws {
        let (_, documents) = try await Self.service(directory: try SpecFixtures.temporaryDirectory())
        _ = try await documents.save(DocumentInput(title: "Shop report", content: Self.shopReport))
        _ = try await documents.save(DocumentInput(title: "Invoice", content: Self.invoiceNote))
        let results = try await documents.search("invoice paid by ACME", mode: .hybrid, limit: 5)
        let top = try #require(results.first)
        #expect(top.chunk.text.contains("ACME"))
        #expect(top.vectorRank != nil && top.textRank != nil)
        #expect(results.map(\.score) == results.map(\.score).sorted(by: >))
        let expected = 1 / (60 + Double(top.vectorRank ?? 0)) + 1 / (60 + Double(top.textRank ?? 0))
        #expect(abs(top.score - expected) < 1e-12)
    }

    @Test func filtersMatchDocumentMetadata() async throws {
        let (_, documents) = try await Self.service(directory: try SpecFixtures.temporaryDirectory())
        _ = try await documents.save(DocumentInput(title: "Shop report", content: Self.shopReport, metadata: ["kind": "maintenance", "year": 2025]))
        let invoice = try await documents.save(DocumentInput(title: "Invoice", content: Self.invoiceNote, metadata: ["kind": "billing"]))
        for mode in SearchMode.allCases {
            let billing = try await documents.search("March payment shop invoice", mode: mode, limit: 10, filters: ["kind": "billing"])
            #expect(!billing.isEmpty)
            #expect(billing.allSatisfy { $0.chunk.documentID == invoice.id })
        }
        let year = try await documents.search("shop", mode: .text, limit: 10, filters: ["year": "2025"])
        #expect(!year.isEmpty && year.allSatisfy { $0.chunk.documentID != invoice.id })
        await #expect(throws: DocumentError.badFilter(field: "kind'; --")) {
            try await documents.search("shop", filters: ["kind'; --": "x"])
        }
    }

    @Test func deleteLeavesNoChunkVectorTextRowOrMention() async throws {
        let directory = try SpecFixtures.temporaryDirectory()
        let (store, documents) = try await Self.service(directory: directory)
        let memory = MemoryService(store: store)
        try await memory.ingest(lines: [SpecFixtures.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#)])
        let kept = try await documents.save(DocumentInput(title: "Invoice", content: Self.invoiceNote))
        let report = try await documents.save(DocumentInput(title: "Shop report", content: Self.shopReport))
        let tractor = try #require(try await store.entity(EntityRef(type: "Tractor", key: "6520")))
        #expect(try await documents.documents(mentioning: tractor.id).map(\.id) == [report.id])
        try await documents.delete(report.id)
        let counts = try await store.pool.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM chunks WHERE document_id = ?", arguments: [Data(report.id.bytes)]) ?? -1,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'DPF'") ?? -1,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM document_mentions WHERE document_id = ?", arguments: [Data(report.id.bytes)]) ?? -1,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM chunks") ?? -1
            )
        }
        #expect(counts.0 == 0 && counts.1 == 0 && counts.2 == 0)
        #expect(counts.3 == kept.chunkCount)
        let vectorHits = try await documents.search("DPF filter odometer shop", mode: .vector, limit: 10)
        #expect(vectorHits.allSatisfy { $0.chunk.documentID == kept.id })
        #expect(try await documents.documents(mentioning: tractor.id).isEmpty)
        #expect(try await store.entity(EntityRef(type: "Tractor", key: "6520")) != nil)
        await #expect(throws: DocumentError.unknownDocument(report.id.description)) { try await documents.document(report.id) }
    }

    @Test func theIndexReloadedAfterARestartAnswersAsBefore() async throws {
        let directory = try SpecFixtures.temporaryDirectory()
        let (_, first) = try await Self.service(directory: directory)
        _ = try await first.save(DocumentInput(title: "Shop report", content: Self.shopReport))
        _ = try await first.save(DocumentInput(title: "Invoice", content: Self.invoiceNote))
        let before = try await first.search("filter replaced in the shop", mode: .vector, limit: 5)
        let (_, second) = try await Self.service(directory: directory)
        let after = try await second.search("filter replaced in the shop", mode: .vector, limit: 5)
        #expect(before == after)
        #expect(!before.isEmpty)
    }

    @Test func anotherEmbedderIsRefused() async throws {
        let directory = try SpecFixtures.temporaryDirectory()
        let (_, documents) = try await Self.service(directory: directory)
        _ = try await documents.save(DocumentInput(title: "Invoice", content: Self.invoiceNote))
        let (_, other) = try await Self.service(directory: directory, embedder: FeatureHashingEmbedder(dimension: 64))
        await #expect(throws: DocumentError.self) { try await other.checkEmbedder() }
        await #expect(throws: DocumentError.self) { _ = try await other.save(DocumentInput(title: "x", content: "y z")) }
    }
}

extension DocumentServiceTests {
    /// A chunk without words embeds to zeros: it is stored and found by text, and never breaks the vector index.
    @Test func aDocumentWithoutWordsIsStoredAndTheIndexKeepsWorking() async throws {
        let directory = try SpecFixtures.temporaryDirectory()
        let (_, documents) = try await Self.service(directory: directory)
        let symbols = try await documents.save(DocumentInput(title: "8", content: "`\u{1C} ¿ --- ..."))
        #expect(symbols.chunkCount <= 1)
        _ = try await documents.save(DocumentInput(title: "Invoice", content: Self.invoiceNote))
        #expect(try await documents.search("ACME payment", mode: .vector, limit: 3).first?.chunk.text.contains("ACME") == true)
        let (_, reopened) = try await Self.service(directory: directory)
        #expect(try await reopened.search("ACME payment", mode: .vector, limit: 3).first?.chunk.text.contains("ACME") == true)
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
