import ApexCore
import ApexEmbedders
import ApexPorts
import ArgumentParser
import Foundation

/// Which embedder turns document chunks and queries into vectors.
struct EmbedderOptions: ParsableArguments {
    @Option(
        name: .customLong("embedder"),
        help: """
            hashing (offline, deterministic; the default) or openai (an OpenAI-compatible /embeddings API). Without it (and \
            without --embedder-dimension) the embedded store uses the embedder of its live vector collection version.
            """)
    var embedderName: String?

    @Option(name: .customLong("embedder-url"), help: "The API's base URL, e.g. https://api.openai.com/v1 (openai only).")
    var embedderURL: String?

    @Option(name: .customLong("embedder-model"), help: "The model name (openai only).")
    var embedderModel: String?

    @Option(name: .customLong("embedder-dimension"), help: "Vector dimensions (default 384).")
    var dimension: Int?

    var embedder: String { embedderName ?? "hashing" }
    var embedderDimension: Int { dimension ?? 384 }

    /// The embedder that made `identity`'s vectors: the configured one when embedder options were given (a mismatch
    /// is then the caller's error to report), else the offline one of that dimension, or the configured API's.
    func make(matching identity: EmbedderIdentity) throws -> any Embedder {
        if embedderName != nil || dimension != nil { return try make() }
        if identity.name == FeatureHashingEmbedder.identityName { return FeatureHashingEmbedder(dimension: identity.dimension) }
        return try make()
    }

    /// The configured embedder; the API key of `openai` comes from $APEX_EMBEDDER_API_KEY.
    func make() throws -> any Embedder {
        guard embedderDimension > 0 else { throw CLIError.badArgument("--embedder-dimension must be positive") }
        switch embedder {
        case "hashing":
            return FeatureHashingEmbedder(dimension: embedderDimension)
        case "openai":
            guard let text = embedderURL, let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
                throw CLIError.badArgument("--embedder openai needs --embedder-url with an http(s) URL")
            }
            guard let model = embedderModel, !model.isEmpty else { throw CLIError.badArgument("--embedder openai needs --embedder-model") }
            let key = ProcessInfo.processInfo.environment["APEX_EMBEDDER_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
            return OpenAICompatibleEmbedder(baseURL: url, model: model, dimension: embedderDimension, apiKey: key)
        default:
            throw CLIError.badArgument("--embedder \(embedder) must be hashing or openai")
        }
    }
}
