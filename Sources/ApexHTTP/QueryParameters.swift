import ApexCore
import Hummingbird

/// Reads and checks query-string parameters; a bad one is a 400 naming it.
struct QueryParameters {
    let request: Request

    func string(_ name: String) -> String? {
        // Hummingbird has already decoded %XX escapes in query values.
        request.uri.queryParameters.get(name).map { String($0) }
    }

    /// Every value of a parameter that may be repeated (`relation=A&relation=B`).
    func all(_ name: String) -> [String] {
        request.uri.queryParameters.getAll(name).map { String($0) }
    }

    func requiredString(_ name: String) throws -> String {
        guard let value = string(name), !value.isEmpty else {
            throw APIError(.badRequest, code: "missing_parameter", message: "the query parameter \(name) is required")
        }
        return value
    }

    func time(_ name: String) throws -> Timestamp? {
        guard let text = string(name), !text.isEmpty else { return nil }
        guard let time = Timestamp.parseQueryTime(text) else {
            throw APIError(.badRequest, code: "bad_timestamp", message: "\(name) \"\(text)\" is not an RFC 3339 date-time (for example 2025-03-02T00:00:00Z)")
        }
        return time
    }

    func limit(default value: Int, maximum: Int) throws -> Int {
        guard let text = string("limit"), !text.isEmpty else { return value }
        guard let limit = Int(text), (1...maximum).contains(limit) else {
            throw APIError(.badRequest, code: "bad_limit", message: "limit \"\(text)\" must be an integer from 1 to \(maximum)")
        }
        return limit
    }
}

extension String {
    /// Decodes %XX escapes (Hummingbird hands path parameters over as written).
    var removingPercentEncoding: String? {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(), let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
