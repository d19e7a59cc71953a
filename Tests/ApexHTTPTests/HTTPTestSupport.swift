import ApexCore
import ApexEngine
import ApexHTTP
import ApexPorts
import ApexSQLite
import ApexTesting
import ApexVector
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// What one HTTP call answered.
struct Answer {
    let status: HTTPResponse.Status
    let text: String
    let contentType: String?

    var json: JSONValue? { try? JSONParser.parse(text) }
    var errorCode: JSONValue? { json?["error"]?["code"] }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil, contentType: String? = nil) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            Answer(
                status: response.status, text: String(buffer: response.body), contentType: response.headers[.contentType])
        }
    }
}

enum HTTPFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let exampleOntology = root.appendingPathComponent("examples/logistics/ontology.yaml").path
    static let exampleRecords = root.appendingPathComponent("examples/logistics/records.jsonl").path

    /// A server over a fresh (or given) data directory, on a free port.
    static func application(directory: String? = nil, maximumBodySize: Int = 10 * 1024 * 1024) async throws -> (some ApplicationProtocol, MemoryService) {
        let store = try await SQLiteStore.open(directory: try directory ?? SpecFixtures.temporaryDirectory())
        let memory = MemoryService(store: store)
        var logger = Logger(label: "apex-test")
        logger.logLevel = .warning
        let embedder = FeatureHashingEmbedder(dimension: 128)
        let vectors = EmbeddedVectorStore(dimension: 128) {
            try await store.allChunkVectors().map { VectorItem(id: $0.rowID, vector: $0.vector, payload: $0.metadata) }
        }
        let documents = DocumentAPI(documents: DocumentService(store: store, vectors: vectors, embedder: embedder), maximumBodySize: maximumBodySize)
        let app = ApexServer.application(
            api: MemoryAPI(memory: memory, maximumBodySize: maximumBodySize), documents: documents, host: "127.0.0.1", port: 0, logger: logger)
        return (app, memory)
    }

    /// A server whose memory holds the logistics example.
    static func exampleApplication() async throws -> (some ApplicationProtocol, MemoryService) {
        let (app, memory) = try await application()
        _ = try await memory.ingest(file: exampleRecords, ontologySource: try String(contentsOfFile: exampleOntology, encoding: .utf8))
        return (app, memory)
    }
}
