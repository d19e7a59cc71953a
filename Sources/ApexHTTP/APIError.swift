public import ApexCore
import ApexEngine
import ApexPorts
public import Hummingbird
import NIOCore

/// An error answered as `{"error": {"code", "message", "line"?}}` with its HTTP status.
///
/// Every failure of the API becomes one of these at the boundary (see
/// ``JSONErrorMiddleware``), so clients always get JSON, never a stack trace.
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// A stable, machine-readable reason, e.g. `unknown_entity`, `bad_json`.
    public let code: String
    /// One sentence for people.
    public let message: String
    /// The record line (or array element) at fault, for ingest errors.
    public let line: Int?

    public init(_ status: HTTPResponse.Status, code: String, message: String, line: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.line = line
    }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        if let line { members.append(("line", .integer(Int64(line)))) }
        return .object([("error", .object(members))])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response.json(json, status: status)
    }
}

extension APIError {
    /// The API's reading of any error the engine or the framework raises.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as any StoreAvailabilityError where error.storeUnavailable:
            return APIError(.serviceUnavailable, code: "store_unavailable", message: error.description)
        case let error as WriteError:
            return APIError(.serviceUnavailable, code: "cache_unavailable", message: error.description)
        case let error as QueryError:
            return APIError(error.isNotFound ? .notFound : .badRequest, code: error.code, message: error.description)
        case let error as IngestError:
            switch error {
            case .badRecord(let record):
                return APIError(.badRequest, code: record.code, message: record.message, line: record.line)
            case .badOntology(let ontology):
                return APIError(.badRequest, code: "bad_ontology", message: ontology.description)
            case .noOntology:
                return APIError(.conflict, code: "no_ontology", message: "this memory has no ontology yet; PUT /api/v1/ontology first")
            case .incompatibleOntology:
                return APIError(.conflict, code: "incompatible_ontology", message: error.description)
            case .cannotRead:
                return APIError(.badRequest, code: "unreadable_body", message: error.description)
            }
        case let error as DocumentError:
            switch error {
            case .unknownDocument: return APIError(.notFound, code: "unknown_document", message: error.description)
            case .badDocument: return APIError(.badRequest, code: "bad_document", message: error.description)
            case .badFilter: return APIError(.badRequest, code: "bad_filter", message: error.description)
            case .embedderMismatch: return APIError(.conflict, code: "embedder_mismatch", message: error.description)
            case .embedderFailed: return APIError(.badGateway, code: "embedder_failed", message: error.description)
            }
        case let error as MoveError:
            guard case .documentsFrozen = error else {
                return APIError(.internalServerError, code: "internal_error", message: "the server failed to answer; see its log")
            }
            return APIError(.conflict, code: "move_in_progress", message: error.description)
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, code: "body_too_large", message: "the request body is larger than the server's limit")
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return APIError(.notFound, code: "not_found", message: "no such route")
            case .contentTooLarge:
                return APIError(.contentTooLarge, code: "body_too_large", message: "the request body is larger than the server's limit")
            default:
                return APIError(error.status, code: "http_error", message: error.body ?? error.status.reasonPhrase)
            }
        default:
            return APIError(.internalServerError, code: "internal_error", message: "the server failed to answer; see its log")
        }
    }
}

extension QueryError {
    /// A stable, machine-readable reason.
    var code: String {
        switch self {
        case .unknownEntity, .unknownEntityID: "unknown_entity"
        case .notYetExisting: "not_yet_existing"
        case .unknownEntityType: "unknown_entity_type"
        case .unknownProperty: "unknown_property"
        case .badTime: "bad_timestamp"
        case .badEntityPath: "bad_entity"
        case .noOntology: "no_ontology"
        case .badDepth: "bad_depth"
        case .unknownRelationType: "unknown_relation_type"
        }
    }
}

extension Response {
    /// A JSON response.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        json(bytes: JSONWriter.bytes(value), status: status)
    }

    /// A JSON response from a document already encoded.
    static func json(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A plain-text response with a given content type.
    static func text(_ text: String, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
