import Foundation
import Hummingbird

extension Request {
    /// The body, refusing more than `limit` bytes (413).
    func collectBytes(upTo limit: Int) async throws -> [UInt8] {
        var request = self
        let buffer = try await request.collectBody(upTo: limit)
        return Array(buffer.readableBytesView)
    }

    /// The media type of the body, if it is one of `allowed` (415 otherwise); nil when the request names none.
    ///
    /// A body without a `Content-Type` is accepted and read as what it looks like (a client that
    /// sends none is not saying anything wrong); a type that is not one of `allowed` is refused.
    @discardableResult
    func requireContentType(allowed: [String], what: String) throws -> String? {
        guard let header = headers[.contentType], !header.isEmpty else { return nil }
        let mediaType = header.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard allowed.contains(mediaType) else {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type",
                message: "send \(what) as \(allowed.joined(separator: " or ")), not \(mediaType.isEmpty ? "no content type" : mediaType)")
        }
        return mediaType
    }
}
