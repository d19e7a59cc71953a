import ApexCore
import ApexEngine
import ApexPorts
import Hummingbird

extension MemoryAPI {
    /// `GET /api/v1/temporal/entities/at-time?query=&reference_time=&limit=`.
    func atTime(_ request: Request) async throws -> Response {
        let parameters = QueryParameters(request: request)
        let text = try parameters.requiredString("query")
        let reference = try parameters.time("reference_time") ?? memory.now
        let limit = try parameters.limit(default: 10, maximum: 100)
        let answers = try await memory.search(text, at: reference, limit: limit)
        return Response.json([
            "query": .string(text),
            "reference_time": .string(reference.rfc3339),
            "results": .array(answers.map(\.json)),
        ])
    }

    /// `GET /api/v1/temporal/entities/{name}/timeline?start_date=&end_date=`: every change of the named entity in the range.
    func namedTimeline(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let parameters = QueryParameters(request: request)
        let name = try pathParameter(context, "name")
        let start = try parameters.time("start_date")
        let end = try parameters.time("end_date")
        if let start, let end, end <= start {
            throw APIError(.badRequest, code: "bad_range", message: "end_date \(end) is not after start_date \(start)")
        }
        var matches = try await memory.entities(named: name)
        if let type = parameters.string("type"), !type.isEmpty { matches = matches.filter { $0.ref.type == type } }
        guard let handle = matches.first else {
            throw APIError(.notFound, code: "unknown_entity", message: "no entity has the key or name \"\(name)\"")
        }
        guard matches.count == 1 else {
            let names = matches.map(\.ref.description).joined(separator: ", ")
            throw APIError(.conflict, code: "ambiguous_name", message: "\"\(name)\" names \(names); add ?type= to choose one")
        }
        let history = try await memory.history(of: handle.ref)
        guard case .array(let events)? = history.json["events"] else { return Response.json(history.json) }
        let changes = events.filter { event in
            let times = [event["valid_at"], event["invalid_at"]].compactMap { $0?.stringValue.flatMap(Timestamp.parse) }
            return times.contains { time in (start.map { time >= $0 } ?? true) && (end.map { time < $0 } ?? true) }
        }
        return Response.json([
            "entity": history.json["entity"] ?? .null,
            "start_date": start.map { .string($0.rfc3339) } ?? .null,
            "end_date": end.map { .string($0.rfc3339) } ?? .null,
            "changes": .array(changes),
        ])
    }

    /// `GET /api/v1/analytics/most-changed?from=&to=&limit=`.
    func mostChanged(_ request: Request) async throws -> Response {
        let parameters = QueryParameters(request: request)
        let (from, to) = try range(parameters)
        let limit = try parameters.limit(default: 10, maximum: 1000)
        let ranked = try await memory.mostChanged(from: from, to: to, limit: limit)
        return Response.json([
            "from": .string(from.rfc3339),
            "to": .string(to.rfc3339),
            "entities": .array(ranked.map { count in
                [
                    "entity": ["type": .string(count.entity.ref.type), "key": .string(count.entity.ref.key), "id": .string(count.entity.id.description)],
                    "changes": .integer(Int64(count.changes)),
                ]
            }),
        ])
    }

    /// `GET /api/v1/analytics/relationship-churn?from=&to=`.
    func relationshipChurn(_ request: Request) async throws -> Response {
        let (from, to) = try range(QueryParameters(request: request))
        let figures = try await memory.relationshipChurn(from: from, to: to)
        return Response.json([
            "from": .string(from.rfc3339),
            "to": .string(to.rfc3339),
            "relation_types": .array(figures.map { figure in
                [
                    "type": .string(figure.relation),
                    "cardinality": .string(figure.cardinality.rawValue),
                    "started": .integer(Int64(figure.started)),
                    "ended": .integer(Int64(figure.ended)),
                    "superseded": .integer(Int64(figure.superseded)),
                ]
            }),
        ])
    }

    /// `GET /health`: 200 when every store answers (status "degraded" when only the cache does not), 503 otherwise.
    ///
    /// The stores are asked at most once a second (``HealthMemo``): a probe costs no round trip on most calls.
    func health() async -> Response {
        let answer = HealthAnswer(stores: await healthMemo.stores { await memory.health() })
        return Response(
            status: answer.status, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// `from` and `to` of an analytics query: both default to all time.
    func range(_ parameters: QueryParameters) throws -> (Timestamp, Timestamp) {
        let from = try parameters.time("from") ?? .distantPast
        let to = try parameters.time("to") ?? .distantFuture
        guard from < to else {
            throw APIError(.badRequest, code: "bad_range", message: "to \(to) is not after from \(from)")
        }
        return (from, to)
    }
}
