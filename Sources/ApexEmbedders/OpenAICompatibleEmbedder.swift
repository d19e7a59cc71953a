public import ApexPorts
public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ApexCore

/// Embeds through an OpenAI-compatible `POST {base}/embeddings` API (OpenAI, vLLM, Ollama, LM Studio, ...).
///
/// Texts go in batches; a 429, a 5xx or a failed connection is retried with
/// exponential backoff; an answer of the wrong size is an error, never a
/// silently wrong vector. The key, when needed, is sent as a bearer token.
public struct OpenAICompatibleEmbedder: Embedder {
    public let baseURL: URL
    public let model: String
    public let dimension: Int
    public let apiKey: String?
    public let batchSize: Int
    public let maximumAttempts: Int
    public let initialBackoff: Duration
    private let session: URLSession

    public var identity: EmbedderIdentity { EmbedderIdentity(name: "openai-compatible:\(model)", dimension: dimension) }

    public init(
        baseURL: URL, model: String, dimension: Int, apiKey: String? = nil, batchSize: Int = 64, maximumAttempts: Int = 4,
        initialBackoff: Duration = .milliseconds(500), timeout: TimeInterval = 30
    ) {
        self.baseURL = baseURL
        self.model = model
        self.dimension = dimension
        self.apiKey = apiKey
        self.batchSize = max(1, batchSize)
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialBackoff = initialBackoff
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        self.session = URLSession(configuration: configuration)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let batch = Array(texts[start..<min(start + batchSize, texts.count)])
            vectors.append(contentsOf: try await embedBatch(batch))
            start += batchSize
        }
        return vectors
    }

    private func embedBatch(_ batch: [String]) async throws -> [[Float]] {
        var request = URLRequest(url: baseURL.appendingPathComponent("embeddings"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        let body: JSONValue = ["model": .string(model), "input": .array(batch.map(JSONValue.string)), "dimensions": .integer(Int64(dimension))]
        request.httpBody = Data(JSONWriter.bytes(body))
        var delay = initialBackoff
        var lastProblem = "no attempt was made"
        for attempt in 1...maximumAttempts {
            do {
                let (data, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if status == 200 { return try decode(data, count: batch.count) }
                lastProblem = "the server answered \(status)"
                if status != 429 && status < 500 { break }
            } catch let error as EmbedderError {
                throw error
            } catch {
                lastProblem = "the request failed (\(error.localizedDescription))"
            }
            if attempt < maximumAttempts {
                try await Task.sleep(for: delay)
                delay *= 2
            }
        }
        throw EmbedderError.failed(url: baseURL.absoluteString, reason: lastProblem)
    }

    private func decode(_ data: Data, count: Int) throws -> [[Float]] {
        guard case .array(let items)? = (try? JSONParser.parse(Array(data)))?["data"] else {
            throw EmbedderError.failed(url: baseURL.absoluteString, reason: "the answer has no \"data\" array")
        }
        var vectors = [[Float]?](repeating: nil, count: count)
        for (position, item) in items.enumerated() {
            let index: Int
            if case .integer(let given)? = item["index"] { index = Int(given) } else { index = position }
            guard (0..<count).contains(index), case .array(let numbers)? = item["embedding"] else {
                throw EmbedderError.failed(url: baseURL.absoluteString, reason: "an item of the answer has no embedding or a bad index")
            }
            let vector = numbers.compactMap { value -> Float? in
                switch value {
                case .number(let double): Float(double)
                case .integer(let integer): Float(integer)
                default: nil
                }
            }
            guard vector.count == dimension else {
                throw EmbedderError.failed(url: baseURL.absoluteString, reason: "an embedding has \(vector.count) dimensions, not \(dimension)")
            }
            vectors[index] = vector
        }
        let complete = vectors.compactMap { $0 }
        guard complete.count == count else {
            throw EmbedderError.failed(url: baseURL.absoluteString, reason: "the answer has \(complete.count) embeddings for \(count) texts")
        }
        return complete
    }
}

/// Why an embedder gave no vectors. Each case reads as one sentence.
public enum EmbedderError: Error, Sendable, Equatable, CustomStringConvertible {
    case failed(url: String, reason: String)

    public var description: String {
        switch self {
        case .failed(let url, let reason): "the embedder at \(url) gave no embeddings: \(reason)"
        }
    }
}
