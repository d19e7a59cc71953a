import ApexCore
public import ApexPorts
import Crypto
import Foundation
public import Hummingbird
import NIOCore

/// Makes POST, PUT, PATCH and DELETE requests sent with an `Idempotency-Key` header safe to retry (docs/http.md, "Retries").
///
/// The first request with a key claims it in the record store and runs; its
/// answer (a success or a client error) is kept for 24 hours. A retry with
/// the same key, method, path and body gets that answer again, with
/// `Idempotent-Replayed: true`, and nothing is applied twice. The same key
/// with another request is `422 idempotency_key_reused`; while the first is
/// still running, `409 idempotency_key_in_use`. A server error (a store
/// unavailable, say) keeps nothing: the retry runs again. A claim whose
/// process died unanswered is taken over after 10 minutes.
public struct IdempotencyMiddleware<Context: RequestContext>: RouterMiddleware {
    let store: any IdempotencyStore
    let maximumBodySize: Int

    static var header: HTTPFields.Element.Name { HTTPFields.Element.Name("Idempotency-Key")! }
    static var replayedHeader: HTTPFields.Element.Name { HTTPFields.Element.Name("Idempotent-Replayed")! }
    /// How long an answer is kept.
    static var retention: Int64 { 24 * 3_600_000_000 }
    /// How long a claim without an answer holds before another request may take it over.
    static var staleAfter: Int64 { 600_000_000 }

    public init(store: any IdempotencyStore, maximumBodySize: Int) {
        self.store = store
        self.maximumBodySize = maximumBodySize
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard [.post, .put, .patch, .delete].contains(request.method), let key = request.headers[Self.header] else {
            return try await next(request, context)
        }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw APIError(
                .badRequest, code: "bad_idempotency_key",
                message: "the Idempotency-Key header must be 1 to 255 printable ASCII characters without spaces")
        }
        var request = request
        let body = try await request.collectBody(upTo: maximumBodySize)
        let fingerprint = Self.fingerprint(request, body: body)
        let now = Self.now
        let claim = try await store.claimIdempotencyKey(
            key, fingerprint: fingerprint, now: now, staleBefore: Timestamp(microseconds: now.microseconds - Self.staleAfter),
            expiredBefore: Timestamp(microseconds: now.microseconds - Self.retention))
        switch claim {
        case .mismatch:
            throw APIError(
                .unprocessableContent, code: "idempotency_key_reused",
                message: "the Idempotency-Key \"\(key)\" was used for another request (another method, path or body); send a new request with a new key")
        case .inProgress:
            throw APIError(
                .conflict, code: "idempotency_key_in_use",
                message: "a request with the Idempotency-Key \"\(key)\" is still running; retry when it has answered")
        case .replay(let answer):
            return Self.response(answer, replayed: true)
        case .claimed:
            let answer: StoredAnswer
            do {
                answer = try await Self.collect(try await next(request, context))
            } catch {
                let apiError = APIError.from(error)
                // A server error may be gone on the retry: keep nothing, so that it runs again.
                guard apiError.status.code < 500 else {
                    try? await store.releaseIdempotencyKey(key, fingerprint: fingerprint)
                    throw error
                }
                answer = StoredAnswer(status: Int(apiError.status.code), contentType: "application/json", body: Array(JSONWriter.string(apiError.json).utf8))
            }
            guard answer.status < 500 else {
                try? await store.releaseIdempotencyKey(key, fingerprint: fingerprint)
                return Self.response(answer, replayed: false)
            }
            try await store.completeIdempotencyKey(key, fingerprint: fingerprint, answer: answer, now: Self.now)
            return Self.response(answer, replayed: false)
        }
    }

    /// SHA-256 of the method, the path with its query, the content type and the body.
    static func fingerprint(_ request: Request, body: ByteBuffer) -> String {
        fingerprint(method: request.method.rawValue, uri: request.uri.description, contentType: request.headers[.contentType], body: Array(body.readableBytesView))
    }

    /// What tells one request from another under one key: SHA-256 of its method, path with query, content type and body, in hex.
    public static func fingerprint(method: String, uri: String, contentType: String?, body: [UInt8]) -> String {
        var hash = SHA256()
        hash.update(data: Array("\(method) \(uri)\n\(contentType ?? "")\n".utf8))
        hash.update(data: body)
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The response's status, media type and whole body.
    static func collect(_ response: Response) async throws -> StoredAnswer {
        let collector = BodyCollector()
        try await response.body.write(collector)
        return StoredAnswer(
            status: Int(response.status.code), contentType: response.headers[.contentType] ?? "application/json", body: collector.bytes)
    }

    static func response(_ answer: StoredAnswer, replayed: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        if replayed { headers[Self.replayedHeader] = "true" }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    static var now: Timestamp { .wallClock }
}

/// Collects a response body written through Hummingbird's writer, to keep it and send it again.
final class BodyCollector: ResponseBodyWriter {
    private(set) var bytes: [UInt8] = []

    func write(_ buffer: ByteBuffer) async throws {
        bytes += buffer.readableBytesView
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
