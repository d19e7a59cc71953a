import ApexCore
public import ApexEngine
import ApexPorts
import Foundation
public import Hummingbird

/// The document and search routes of the HTTP API (issue 4): documents as episodes and hybrid search over their chunks.
public struct DocumentAPI: Sendable {
    public let documents: DocumentService
    public let maximumBodySize: Int

    public init(documents: DocumentService, maximumBodySize: Int = 10 * 1024 * 1024) {
        self.documents = documents
        self.maximumBodySize = maximumBodySize
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        let api = router.group("api/v1")
        api.post("documents") { request, _ in try await create(request) }
        api.get("documents/:document") { _, context in try await read(context) }
        api.put("documents/:document") { request, context in try await replace(request, context) }
        api.delete("documents/:document") { _, context in try await remove(context) }
        api.get("search") { request, _ in try await search(request) }
    }

    func create(_ request: Request) async throws -> Response {
        let input = try await documentInput(request)
        let saved = try await documents.save(input)
        return Response.json(["id": .string(saved.id.description), "chunks": .integer(Int64(saved.chunkCount))], status: .created)
    }

    func read(_ context: some RequestContext) async throws -> Response {
        Response.json(Self.json(try await documents.document(try documentID(context))))
    }

    func replace(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let id = try documentID(context)
        _ = try await documents.document(id)
        let saved = try await documents.save(try await documentInput(request), id: id)
        return Response.json(["id": .string(saved.id.description), "chunks": .integer(Int64(saved.chunkCount))])
    }

    func remove(_ context: some RequestContext) async throws -> Response {
        let id = try documentID(context)
        try await documents.delete(id)
        return Response.json(["deleted": .string(id.description)])
    }

    func search(_ request: Request) async throws -> Response {
        let parameters = QueryParameters(request: request)
        let query = try parameters.requiredString("q")
        let modeText = parameters.string("mode") ?? "hybrid"
        guard let mode = SearchMode(rawValue: modeText) else {
            throw APIError(.badRequest, code: "bad_mode", message: "mode \"\(modeText)\" must be hybrid, vector or text")
        }
        let limit = try parameters.limit(default: 10, maximum: 100)
        var filters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where key.hasPrefix("filter.") {
            filters[String(key.dropFirst("filter.".count))] = String(value)
        }
        let results = try await documents.search(query, mode: mode, limit: limit, filters: filters)
        let entities = try await documents.entities(mentionedIn: results)
        return Response.json([
            "query": .string(query), "mode": .string(mode.rawValue), "results": .array(results.map(\.json)),
            "entities": .array(entities.map { ["type": .string($0.ref.type), "key": .string($0.ref.key), "id": .string($0.id.description)] }),
        ])
    }

    func documentID(_ context: some RequestContext) throws -> EntityID {
        let text = context.parameters.get("document") ?? ""
        guard let id = EntityID(text) else {
            throw APIError(.badRequest, code: "bad_id", message: "\"\(text)\" is not a document id (a UUID)")
        }
        return id
    }

    func documentInput(_ request: Request) async throws -> DocumentInput {
        try request.requireContentType(allowed: ["application/json"], what: "a document")
        let bytes = try await request.collectBytes(upTo: maximumBodySize)
        let body: JSONValue
        do {
            body = try JSONParser.parse(bytes)
        } catch {
            throw APIError(.badRequest, code: "bad_json", message: error.description)
        }
        guard case .object = body else { throw APIError(.badRequest, code: "bad_document", message: "the body must be a JSON object") }
        guard let title = body["title"]?.stringValue, let content = body["content"]?.stringValue else {
            throw APIError(.badRequest, code: "bad_document", message: "a document needs \"title\" and \"content\" strings")
        }
        var referenceTime: Timestamp?
        if let text = body["reference_time"]?.stringValue {
            guard let time = Timestamp.parse(text) else {
                throw APIError(.badRequest, code: "bad_timestamp", message: "reference_time \"\(text)\" is not an RFC 3339 date-time")
            }
            referenceTime = time
        }
        return DocumentInput(
            title: title, content: content, metadata: body["metadata"] ?? [:], source: body["source"]?.stringValue, referenceTime: referenceTime)
    }

    static func json(_ document: DocumentRecord) -> JSONValue {
        .object([
            ("id", .string(document.id.description)),
            ("title", .string(document.title)),
            ("content", .string(document.content)),
            ("metadata", document.metadata),
            ("source", .optional(document.source)),
            ("reference_time", document.referenceTime.map { .string($0.rfc3339) } ?? .null),
            ("recorded_at", .string(document.recordedAt.rfc3339)),
            ("chunks", .integer(Int64(document.chunkCount))),
        ])
    }
}
