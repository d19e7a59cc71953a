public import ApexCore
import ApexEngine
import ApexPorts
import Foundation
import Testing

/// Documents, search and mentions, checked on any adapter with its own vector store (seed 001/002 retrieval).
extension ConformanceSuite {
    /// The embedder adapters give their document service in the suite (384 dimensions: pgvector has an HNSW index for it).
    public static let embedder = FeatureHashingEmbedder(dimension: 384)
    /// Small chunks, so that the suite's short documents make several.
    public static let chunker = TextChunker(maximumTokens: 30, overlapTokens: 6)

    public static let adapterCases: [AdapterConformanceCase] = documentCases + migrationCases + sagaCases + idempotencyCases + moveCases

    static let shopReport = """
        Unit 6520 went into the Dallas shop on March 1 with a failed DPF filter. The odometer read 441,200 miles.
        The shop replaced the filter and the turbo hose. Robert Miller dropped the tractor off and Linda Park picked it up on March 12.
        """
    static let invoiceNote = "Invoice INV-12019 for load L-5010 was paid by ACME Corporation on April 3. Payment terms were net30."

    static let documentCases: [AdapterConformanceCase] = [
        AdapterConformanceCase("chunks keep their offsets and every search mode finds them") { make in
            let documents = try await make().documents
            let saved = try await documents.save(DocumentInput(title: "Shop report", content: shopReport, metadata: ["kind": "maintenance"]))
            #expect(saved.chunkCount > 1)
            let scalars = Array(shopReport.unicodeScalars)
            for mode in SearchMode.allCases {
                let results = try await documents.search("DPF filter replaced", mode: mode, limit: 5)
                #expect(!results.isEmpty, "no results in \(mode) mode")
                for result in results {
                    #expect(result.chunk.text == String(String.UnicodeScalarView(scalars[result.chunk.start..<result.chunk.end])))
                    #expect(result.chunk.documentID == saved.id)
                }
            }
        },
        AdapterConformanceCase("hybrid search ranks a chunk found both ways first, by reciprocal rank fusion") { make in
            let documents = try await make().documents
            _ = try await documents.save(DocumentInput(title: "Shop report", content: shopReport))
            _ = try await documents.save(DocumentInput(title: "Invoice", content: invoiceNote))
            let results = try await documents.search("invoice paid by ACME", mode: .hybrid, limit: 5)
            let top = try #require(results.first)
            #expect(top.chunk.text.contains("ACME"))
            #expect(top.vectorRank != nil && top.textRank != nil)
            #expect(results.map(\.score) == results.map(\.score).sorted(by: >))
            let expected = 1 / (60 + Double(top.vectorRank ?? 0)) + 1 / (60 + Double(top.textRank ?? 0))
            #expect(abs(top.score - expected) < 1e-12)
        },
        AdapterConformanceCase("filters match document metadata in every mode, and a bad field name is refused") { make in
            let documents = try await make().documents
            _ = try await documents.save(DocumentInput(title: "Shop report", content: shopReport, metadata: ["kind": "maintenance", "year": 2025]))
            let invoice = try await documents.save(DocumentInput(title: "Invoice", content: invoiceNote, metadata: ["kind": "billing"]))
            for mode in SearchMode.allCases {
                let billing = try await documents.search("March payment shop invoice", mode: mode, limit: 10, filters: ["kind": "billing"])
                #expect(!billing.isEmpty, "nothing found in \(mode) mode")
                #expect(billing.allSatisfy { $0.chunk.documentID == invoice.id })
            }
            let year = try await documents.search("shop", mode: .text, limit: 10, filters: ["year": "2025"])
            #expect(!year.isEmpty && year.allSatisfy { $0.chunk.documentID != invoice.id })
            await #expect(throws: DocumentError.badFilter(field: "kind'; --")) {
                try await documents.search("shop", filters: ["kind'; --": "x"])
            }
        },
        AdapterConformanceCase("deleting a document leaves no chunk, vector, text match or mention, and nothing else goes") { make in
            let adapter = try await make()
            let (memory, documents, store) = (adapter.memory, adapter.documents, adapter.store)
            try await memory.ingest(lines: [SpecFixtures.state("6520", "2025-01-10T00:00:00Z", set: #"{"status":"active"}"#)])
            let kept = try await documents.save(DocumentInput(title: "Invoice", content: invoiceNote))
            let report = try await documents.save(DocumentInput(title: "Shop report", content: shopReport))
            let tractor = try #require(try await store.entity(EntityRef(type: "Tractor", key: "6520")))
            #expect(try await documents.documents(mentioning: tractor.id).map(\.id) == [report.id])
            let reportChunks = try await store.textSearch("DPF odometer", limit: 50, filters: [:]).map(\.rowID)
            #expect(!reportChunks.isEmpty)
            try await documents.delete(report.id)
            #expect(try await store.chunks(reportChunks).isEmpty)
            #expect(try await store.textSearch("DPF", limit: 10, filters: [:]).isEmpty)
            #expect(try await store.allChunkVectors().count == kept.chunkCount)
            let vectorHits = try await documents.search("DPF filter odometer shop", mode: .vector, limit: 10)
            #expect(!vectorHits.isEmpty && vectorHits.allSatisfy { $0.chunk.documentID == kept.id })
            #expect(try await documents.documents(mentioning: tractor.id).isEmpty)
            #expect(try await store.entity(EntityRef(type: "Tractor", key: "6520")) != nil)
            await #expect(throws: DocumentError.unknownDocument(report.id.description)) { try await documents.document(report.id) }
            await #expect(throws: DocumentError.unknownDocument(report.id.description)) { try await documents.delete(report.id) }
        },
        AdapterConformanceCase("chunk vectors by row id are the stored ones; unknown and removed ids are left out") { make in
            let adapter = try await make()
            let (documents, store) = (adapter.documents, adapter.store)
            _ = try await documents.save(DocumentInput(title: "Invoice", content: invoiceNote))
            let report = try await documents.save(DocumentInput(title: "Shop report", content: shopReport))
            let all = try await store.allChunkVectors()
            #expect(all.count >= 2)
            let ids = all.map(\.rowID)
            let byID = try await store.chunkVectors(ids + [999_999])
            #expect(byID.count == all.count)
            for item in all { #expect(byID[item.rowID] == item.vector, "chunk \(item.rowID)") }
            #expect(try await store.chunkVectors([]).isEmpty)
            try await documents.delete(report.id)
            let remaining = Set(try await store.allChunkVectors().map(\.rowID))
            #expect(Set(try await store.chunkVectors(ids).keys) == remaining)
        },
        AdapterConformanceCase("after a restart the vector search answers as before") { make in
            let first = try await make()
            _ = try await first.documents.save(DocumentInput(title: "Shop report", content: shopReport))
            _ = try await first.documents.save(DocumentInput(title: "Invoice", content: invoiceNote))
            let before = try await first.documents.search("filter replaced in the shop", mode: .vector, limit: 5)
            let second = try await first.reopen(embedder)
            let after = try await second.documents.search("filter replaced in the shop", mode: .vector, limit: 5)
            #expect(!before.isEmpty)
            #expect(before.map(\.chunk) == after.map(\.chunk))
        },
        AdapterConformanceCase("another embedder than the stored vectors' is refused") { make in
            let first = try await make()
            _ = try await first.documents.save(DocumentInput(title: "Invoice", content: invoiceNote))
            let other = try await first.reopen(FeatureHashingEmbedder(dimension: 64))
            await #expect(throws: DocumentError.self) { try await other.documents.checkEmbedder() }
            await #expect(throws: DocumentError.self) { _ = try await other.documents.save(DocumentInput(title: "x", content: "y z")) }
        },
        AdapterConformanceCase("a document without words is stored and the vector index keeps working") { make in
            let adapter = try await make()
            let symbols = try await adapter.documents.save(DocumentInput(title: "8", content: "`\u{1C} ¿ --- ..."))
            #expect(symbols.chunkCount <= 1)
            _ = try await adapter.documents.save(DocumentInput(title: "Invoice", content: invoiceNote))
            #expect(try await adapter.documents.search("ACME payment", mode: .vector, limit: 3).first?.chunk.text.contains("ACME") == true)
            let reopened = try await adapter.reopen(embedder)
            #expect(try await reopened.documents.search("ACME payment", mode: .vector, limit: 3).first?.chunk.text.contains("ACME") == true)
        },
        AdapterConformanceCase("a document holding U+0000 is refused, and a filter holding it finds nothing") { make in
            let documents = try await make().documents
            _ = try await documents.save(DocumentInput(title: "Invoice", content: invoiceNote, metadata: ["kind": "billing"]))
            let inputs = [
                DocumentInput(title: "a\u{0}b", content: "text"),
                DocumentInput(title: "t", content: "before\u{0}after"),
                DocumentInput(title: "t", content: "text", metadata: ["kind": ["x\u{0}"]]),
            ]
            for input in inputs {
                await #expect(throws: DocumentError.self) { _ = try await documents.save(input) }
            }
            for mode in SearchMode.allCases {
                #expect(try await documents.search("invoice", mode: mode, limit: 5, filters: ["kind": "bill\u{0}ing"]).isEmpty)
            }
        },
    ]
}
