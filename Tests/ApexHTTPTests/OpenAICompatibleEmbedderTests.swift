import ApexCore
import ApexEmbedders
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// The OpenAI-compatible embedder against a local server speaking that API: batching, retries, and answers of the wrong size.
@Suite struct OpenAICompatibleEmbedderTests {
    final class Calls: Sendable {
        let count = Mutex(0)
        let batchSizes = Mutex<[Int]>([])
    }

    /// A server that fails its first request with 503, then embeds each text as [length, 1, 0, dimension-specific].
    static func server(calls: Calls, dimension: Int) -> some ApplicationProtocol {
        let router = Router()
        router.post("v1/embeddings") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let call = calls.count.withLock { count in
                count += 1
                return count
            }
            guard call > 1 else { return Response(status: .serviceUnavailable) }
            guard request.headers[.authorization] == "Bearer test-key", case .array(let inputs)? = (try? JSONParser.parse(Array(body.readableBytesView)))?["input"]
            else { return Response(status: .badRequest) }
            calls.batchSizes.withLock { $0.append(inputs.count) }
            let data = inputs.enumerated().reversed().map { index, text -> JSONValue in
                let length = Double(text.stringValue?.count ?? 0)
                return ["index": .integer(Int64(index)), "embedding": .array([.number(length)] + Array(repeating: .number(0.5), count: dimension - 1))]
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: JSONWriter.string(["object": "list", "data": .array(data)]))))
        }
        return Application(router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test func batchesRetriesAndKeepsTheOrder() async throws {
        let calls = Calls()
        try await Self.server(calls: calls, dimension: 4).test(.live) { client in
            let port = try #require(client.port)
            let embedder = OpenAICompatibleEmbedder(
                baseURL: try #require(URL(string: "http://127.0.0.1:\(port)/v1")), model: "test-model", dimension: 4, apiKey: "test-key",
                batchSize: 2, initialBackoff: .milliseconds(10))
            let vectors = try await embedder.embed(["a", "bbb", "cc", "dddd", "e"])
            #expect(vectors.map { $0[0] } == [1, 3, 2, 4, 1])
            #expect(calls.batchSizes.withLock { $0 } == [2, 2, 1])
            #expect(calls.count.withLock { $0 } == 4)
            #expect(embedder.identity.name == "openai-compatible:test-model")
        }
    }

    @Test func anAnswerOfTheWrongSizeIsAnError() async throws {
        let calls = Calls()
        try await Self.server(calls: calls, dimension: 3).test(.live) { client in
            let port = try #require(client.port)
            let embedder = OpenAICompatibleEmbedder(
                baseURL: try #require(URL(string: "http://127.0.0.1:\(port)/v1")), model: "m", dimension: 4, apiKey: "test-key",
                initialBackoff: .milliseconds(10))
            await #expect(throws: EmbedderError.self) { try await embedder.embed(["text"]) }
        }
    }

    @Test func anUnreachableServerIsOneClearError() async throws {
        let embedder = OpenAICompatibleEmbedder(
            baseURL: try #require(URL(string: "http://127.0.0.1:9/v1")), model: "m", dimension: 4, maximumAttempts: 2, initialBackoff: .milliseconds(10),
            timeout: 2)
        do {
            _ = try await embedder.embed(["text"])
            Issue.record("an unreachable embedder answered")
        } catch let error as EmbedderError {
            #expect(error.description.hasPrefix("the embedder at http://127.0.0.1:9/v1 gave no embeddings"))
        }
    }
}
