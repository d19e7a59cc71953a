import ApexCore
public import ApexEngine
public import ApexPorts
public import Testing

/// An adapter's side of vector collection versions, seen by the cases of ``ConformanceSuite/vectorCollectionCases``:
/// its ``VectorCollectionStore`` and the documents service that puts chunks in it.
public struct VectorCollectionsUnderTest: Sendable {
    public let collections: any VectorCollectionStore
    public let documents: DocumentService
    public let store: any DocumentStore

    public init(collections: any VectorCollectionStore, documents: DocumentService, store: any DocumentStore) {
        self.collections = collections
        self.documents = documents
        self.store = store
    }
}

/// One rule of vector collection versions (docs/vectors.md), checked against any store that keeps them.
public struct VectorCollectionConformanceCase: Sendable, CustomTestStringConvertible {
    public let name: String
    public let body: @Sendable (@Sendable () async throws -> VectorCollectionsUnderTest) async throws -> Void

    init(_ name: String, _ body: @escaping @Sendable (@Sendable () async throws -> VectorCollectionsUnderTest) async throws -> Void) {
        self.name = name
        self.body = body
    }

    public var testDescription: String { name }
}

extension ConformanceSuite {
    /// The suite embedder's spec, and one with another dimension (so that moving to it re-embeds).
    static let liveSpec = VectorCollectionSpec(embedder: embedder.identity)
    static let otherSpec = VectorCollectionSpec(embedder: FeatureHashingEmbedder(dimension: 8).identity)

    /// Saves the suite's two documents and returns the chunks' row ids, in order.
    static func chunkRows(_ adapter: VectorCollectionsUnderTest) async throws -> [Int64] {
        _ = try await adapter.documents.save(DocumentInput(title: "Shop report", content: shopReport, metadata: ["kind": "maintenance"]))
        _ = try await adapter.documents.save(DocumentInput(title: "Invoice", content: invoiceNote, metadata: ["kind": "billing"]))
        return try await adapter.collections.chunksToEmbed(version: 2, after: 0, limit: 1_000).map(\.rowID)
    }

    /// A recognisable vector of the other spec's dimension for a chunk.
    static func ownVector(_ rowID: Int64) -> [Float] {
        (0..<8).map { Float(rowID) + Float($0) / 10 }
    }

    public static let vectorCollectionCases: [VectorCollectionConformanceCase] = [
        VectorCollectionConformanceCase("the first new version records the live one as version 1; later ones count on") { make in
            let collections = try await make().collections
            #expect(try await collections.vectorCollections().isEmpty)
            let second = try await collections.beginVectorCollection(otherSpec, first: liveSpec)
            #expect(second.version == 2 && second.state == .building && second.spec == otherSpec)
            let third = try await collections.beginVectorCollection(liveSpec, first: otherSpec)
            #expect(third.version == 3)
            let versions = try await collections.vectorCollections()
            #expect(versions.map(\.version) == [1, 2, 3])
            #expect(versions.map(\.state) == [.live, .building, .building])
            #expect(versions[0].spec == liveSpec && versions[0].swappedAt != nil && versions[1].swappedAt == nil)
        },
        VectorCollectionConformanceCase("a version's own vectors are counted, read in row id order after a row, and kept apart from the chunks'") { make in
            let adapter = try await make()
            let collections = adapter.collections
            _ = try await collections.beginVectorCollection(otherSpec, first: liveSpec)
            let rows = try await chunkRows(adapter)
            #expect(rows.count > 2 && rows == rows.sorted())
            #expect(try await collections.chunkCount() == rows.count)
            #expect(try await collections.chunksMissingVectors(version: 2) == rows.count)
            try await collections.saveCollectionVectors([(rows[0], ownVector(rows[0])), (rows[1], ownVector(rows[1]))], version: 2)
            #expect(try await collections.chunksMissingVectors(version: 2) == rows.count - 2)
            let next = try await collections.chunksToEmbed(version: 2, after: 0, limit: 1)
            #expect(next.map(\.rowID) == [rows[2]] && !(next.first?.text.isEmpty ?? true))
            let own = try await collections.collectionVectors(version: 2, own: true)
            #expect(own.map(\.id) == [rows[0], rows[1]] && own.map(\.vector) == [ownVector(rows[0]), ownVector(rows[1])])
            #expect(own.first?.payload["kind"] == "maintenance")
            let live = try await collections.collectionVectors(version: 1, own: false)
            #expect(live.map(\.id) == rows && live.allSatisfy { $0.vector.count == embedder.dimension })
            // A vector saved for a chunk that is gone is skipped.
            try await collections.saveCollectionVectors([(try #require(rows.last) + 1_000, ownVector(1))], version: 2)
            #expect(try await collections.collectionVectors(version: 2, own: true).count == 2)
        },
        VectorCollectionConformanceCase("the swap needs every vector and an unchanged generation, exchanges the vectors, and swaps back") { make in
            let adapter = try await make()
            let collections = adapter.collections
            _ = try await collections.beginVectorCollection(otherSpec, first: liveSpec)
            let rows = try await chunkRows(adapter)
            let before = try await collections.collectionVectors(version: 1, own: false)
            let generation = try await adapter.store.vectorGeneration()
            try await collections.saveCollectionVectors(rows.dropLast().map { ($0, ownVector($0)) }, version: 2)
            #expect(try await collections.swapVectorCollection(to: 2, ifGeneration: generation) == false)
            let last = try #require(rows.last)
            try await collections.saveCollectionVectors([(last, ownVector(last))], version: 2)
            #expect(try await collections.swapVectorCollection(to: 2, ifGeneration: generation + 1) == false)
            #expect(try await collections.vectorCollections().map(\.state) == [.live, .building])
            #expect(try await collections.swapVectorCollection(to: 2, ifGeneration: generation))
            #expect(try await collections.vectorCollections().map(\.state) == [.ready, .live])
            #expect(try await collections.collectionVectors(version: 2, own: false).map(\.vector) == rows.map(ownVector))
            #expect(try await collections.collectionVectors(version: 1, own: true).map(\.vector) == before.map(\.vector))
            #expect(try await adapter.store.embedder() == otherSpec.embedder)
            // Back: the first version's vectors are the chunks' again, the second's kept for another swap.
            #expect(try await collections.swapVectorCollection(to: 1, ifGeneration: generation))
            #expect(try await collections.vectorCollections().map(\.state) == [.live, .ready])
            #expect(try await collections.collectionVectors(version: 1, own: false).map(\.vector) == before.map(\.vector))
            #expect(try await collections.collectionVectors(version: 2, own: true).map(\.vector) == rows.map(ownVector))
            #expect(try await adapter.store.embedder() == liveSpec.embedder)
        },
        VectorCollectionConformanceCase("retiring a version drops its own vectors; the live version stays live") { make in
            let adapter = try await make()
            let collections = adapter.collections
            _ = try await collections.beginVectorCollection(otherSpec, first: liveSpec)
            let rows = try await chunkRows(adapter)
            try await collections.saveCollectionVectors(rows.map { ($0, ownVector($0)) }, version: 2)
            try await collections.setVectorCollectionState(2, to: .ready)
            try await collections.setVectorCollectionState(1, to: .retired)
            try await collections.setVectorCollectionState(2, to: .retired)
            #expect(try await collections.vectorCollections().map(\.state) == [.live, .retired])
            #expect(try await collections.collectionVectors(version: 2, own: true).isEmpty)
            #expect(try await collections.chunksMissingVectors(version: 2) == rows.count)
        },
    ]
}
