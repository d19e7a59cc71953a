import ApexCore
public import ApexEngine
import ApexPorts
import Foundation
public import Hummingbird
import NIOCore

/// The routes of the HTTP API (seed 002 section 4.2, seed 000 phase 4.3), over one ``MemoryService``.
///
/// Answers have the same JSON shapes as the CLI's. Every route is listed in
/// ``OpenAPIDocument``; the tests check the two against each other.
public struct MemoryAPI: Sendable {
    public let memory: MemoryService
    /// The largest request body accepted, in bytes (413 beyond).
    public let maximumBodySize: Int
    let healthMemo: HealthMemo
    /// State answers kept for ``ProbeLane`` while the store's content does not change.
    let answerMemo = AnswerMemo()

    /// - Parameter healthMaxAge: how long a health check of the stores answers `/health` before the next one.
    public init(memory: MemoryService, maximumBodySize: Int = 10 * 1024 * 1024, healthMaxAge: Duration = .seconds(1)) {
        self.memory = memory
        self.maximumBodySize = maximumBodySize
        self.healthMemo = HealthMemo(maxAge: healthMaxAge)
    }

    /// Adds every route to `router`.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        let api = router.group("api/v1")
        api.put("ontology") { request, context in try await putOntology(request, context) }
        api.get("ontology") { _, _ in try await getOntology() }
        api.post("records") { request, context in try await postRecords(request, context) }
        api.get("entities/:entity") { _, context in try await stateByID(context, timestamp: nil) }
        api.get("entities/:entity/state") { request, context in
            try await stateByID(context, timestamp: try QueryParameters(request: request).time("timestamp"))
        }
        api.get("entities/:entity/history") { request, context in try await historyByID(request, context) }
        api.get("entities/:entity/:key/state") { request, context in try await state(request, context) }
        api.get("entities/:entity/:key/timeline") { request, context in try await timeline(request, context) }
        api.get("entities/:entity/:key/history") { request, context in try await history(request, context) }
        api.get("entities/:entity/:key/neighbors") { request, context in try await neighbors(request, context) }
        api.get("entities/:entity/:key/relations") { request, context in try await relationsBetween(request, context) }
        api.get("temporal/entities/at-time") { request, _ in try await atTime(request) }
        api.get("temporal/entities/:name/timeline") { request, context in try await namedTimeline(request, context) }
        api.get("analytics/most-changed") { request, _ in try await mostChanged(request) }
        api.get("analytics/relationship-churn") { request, _ in try await relationshipChurn(request) }
        router.get("health") { _, _ in await health() }
        router.get("openapi.yaml") { _, _ in Response.text(OpenAPIDocument.yaml, contentType: "application/yaml") }
    }

    // MARK: Ontology and records

    func putOntology(_ request: Request, _ context: some RequestContext) async throws -> Response {
        try request.requireContentType(allowed: ["application/yaml", "application/x-yaml", "text/yaml", "application/json"], what: "an ontology")
        let body = try await request.collectBytes(upTo: maximumBodySize)
        guard let source = String(validating: body, as: UTF8.self) else {
            throw APIError(.badRequest, code: "bad_ontology", message: "the ontology is not UTF-8 text")
        }
        let stored = try await memory.setOntology(source: source)
        return Response.json(stored.ontology.json)
    }

    func getOntology() async throws -> Response {
        guard let stored = try await memory.storedOntology() else {
            throw APIError(.notFound, code: "no_ontology", message: "this memory has no ontology yet; PUT /api/v1/ontology first")
        }
        return Response.json(stored.ontology.json)
    }

    func postRecords(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let type = try request.requireContentType(
            allowed: ["application/x-ndjson", "application/jsonl", "application/json-lines", "application/json"], what: "records")
        let body = try await request.collectBytes(upTo: maximumBodySize)
        let isArray = type.map { $0 == "application/json" } ?? (body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "["))
        let summary = try await memory.ingest(body: body, format: isArray ? .jsonArray : .jsonLines)
        IngestMetrics.record(records: summary.accepted)
        return Response.json(["accepted": .integer(Int64(summary.accepted)), "new_entities": .integer(Int64(summary.newEntities))])
    }

    // MARK: Entities

    /// The state of an entity; an answer with an explicit `at` that lasts is kept for ``ProbeLane`` (``AnswerMemo``).
    func state(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let query = QueryParameters(request: request)
        let ref = try entityRef(context)
        let at = try query.time("at")
        let knownAt = try query.time("known_at")
        // Read before the answer: a commit in between moves the version, and the kept answer is never handed out.
        let version = at == nil ? nil : memory.contentVersion()
        let (answer, lasts) = try await memory.lastingState(of: ref, at: at, knownAt: knownAt)
        let body = JSONWriter.bytes(answer.json)
        if let version, lasts, let target = request.head.path {
            answerMemo.keep(body, for: target, version: version, splittingAround: knownAt == nil ? answer.knownAt : nil)
        }
        return Response.json(bytes: body)
    }

    func timeline(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let query = QueryParameters(request: request)
        let answer = try await memory.timeline(
            of: try entityRef(context), property: try query.requiredString("property"), from: try query.time("from"), to: try query.time("to"),
            knownAt: try query.time("known_at"))
        return Response.json(answer.json)
    }

    func history(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let knownAt = try QueryParameters(request: request).time("known_at")
        return Response.json(try await memory.history(of: try entityRef(context), knownAt: knownAt).json)
    }

    func neighbors(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let query = QueryParameters(request: request)
        let depthText = query.string("depth") ?? "1"
        guard let depth = Int(depthText) else {
            throw APIError(.badRequest, code: "bad_depth", message: "depth \"\(depthText)\" is not a whole number")
        }
        let directionText = query.string("direction") ?? "both"
        guard let direction = TraversalDirection(rawValue: directionText) else {
            throw APIError(.badRequest, code: "bad_direction", message: "direction \"\(directionText)\" is not outgoing, incoming or both")
        }
        let relations = query.all("relation").flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
        let answer = try await memory.neighbors(
            of: try entityRef(context), at: try query.time("at"), knownAt: try query.time("known_at"), depth: depth, relations: relations,
            direction: direction)
        return Response.json(answer.json)
    }

    func relationsBetween(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let query = QueryParameters(request: request)
        let text = try query.requiredString("with")
        guard let other = EntityRef(path: text) else { throw QueryError.badEntityPath(text) }
        return Response.json(try await memory.relations(between: try entityRef(context), and: other, knownAt: try query.time("known_at")).json)
    }

    func stateByID(_ context: some RequestContext, timestamp: Timestamp?) async throws -> Response {
        Response.json(try await memory.state(of: try entityID(context), at: timestamp).json)
    }

    func historyByID(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let knownAt = try QueryParameters(request: request).time("known_at")
        return Response.json(try await memory.history(of: try entityID(context), knownAt: knownAt).json)
    }

    // MARK: Helpers

    func entityRef(_ context: some RequestContext) throws -> EntityRef {
        let type = try pathParameter(context, "entity")
        let key = try pathParameter(context, "key")
        return EntityRef(type: type, key: key)
    }

    func entityID(_ context: some RequestContext) throws -> EntityID {
        let text = try pathParameter(context, "entity")
        guard let id = EntityID(text) else {
            throw APIError(.badRequest, code: "bad_id", message: "\"\(text)\" is not an entity id (a UUID such as 0195c8a2-...)")
        }
        return id
    }

    func pathParameter(_ context: some RequestContext, _ name: String) throws -> String {
        guard let raw = context.parameters.get(name), let value = raw.removingPercentEncoding, !value.isEmpty else {
            throw APIError(.badRequest, code: "bad_path", message: "the path has an empty or badly escaped segment")
        }
        return value
    }
}
