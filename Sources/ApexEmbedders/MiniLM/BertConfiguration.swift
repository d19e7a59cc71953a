import ApexCore
import Foundation

/// The shape of a BERT encoder and how a sentence-transformers model turns its output into one vector, read from
/// `config.json`, `sentence_bert_config.json`, `1_Pooling/config.json` and `modules.json`.
///
/// It exists so that a model of another architecture or pooling is refused in one sentence before any weight is
/// read, rather than run as if it were all-MiniLM-L6-v2.
struct BertConfiguration: Equatable {
    var hiddenSize: Int
    var layers: Int
    var heads: Int
    var intermediateSize: Int
    var vocabularySize: Int
    var maxPositions: Int
    var typeVocabularySize: Int
    var layerNormEpsilon: Float
    /// Tokens per text the model was trained with (`max_seq_length`), `[CLS]` and `[SEP]` included.
    var maxSequenceLength: Int
    /// Whether the pooled vector is scaled to length 1 (a `Normalize` module).
    var normalizes: Bool

    var headSize: Int { hiddenSize / heads }

    init(files: MiniLMModelFiles) throws(MiniLMModelError) {
        let name = files.describe("config.json")
        let bytes = Array(try files.required("config.json"))
        guard let config = try? JSONParser.parse(bytes) else {
            throw .damaged(path: name, reason: "it is not JSON")
        }
        func integer(_ key: String) throws(MiniLMModelError) -> Int {
            guard case .integer(let value)? = config[key], value > 0, value < 1 << 20 else {
                throw .damaged(path: name, reason: "it gives no positive whole number for \(key)")
            }
            return Int(value)
        }
        let type = config["model_type"]?.stringValue ?? "none"
        guard type == "bert" else { throw .otherArchitecture(path: files.path, reason: "its config.json says model_type \(type), not bert") }
        let activation = config["hidden_act"]?.stringValue ?? "gelu"
        guard activation == "gelu" else {
            throw .otherArchitecture(path: files.path, reason: "its hidden_act is \(activation), not gelu")
        }
        if let embedding = config["position_embedding_type"]?.stringValue, embedding != "absolute" {
            throw .otherArchitecture(path: files.path, reason: "its position_embedding_type is \(embedding), not absolute")
        }
        hiddenSize = try integer("hidden_size")
        layers = try integer("num_hidden_layers")
        heads = try integer("num_attention_heads")
        intermediateSize = try integer("intermediate_size")
        vocabularySize = try integer("vocab_size")
        maxPositions = try integer("max_position_embeddings")
        typeVocabularySize = try integer("type_vocab_size")
        guard hiddenSize % heads == 0 else {
            throw .damaged(path: name, reason: "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(heads)")
        }
        switch config["layer_norm_eps"] {
        case .number(let value)?: layerNormEpsilon = Float(value)
        case .integer(let value)?: layerNormEpsilon = Float(value)
        default: layerNormEpsilon = 1e-12
        }
        maxSequenceLength = maxPositions
        if let data = try files.contents("sentence_bert_config.json"), let sentence = try? JSONParser.parse(Array(data)),
            case .integer(let length)? = sentence["max_seq_length"], length > 1
        {
            maxSequenceLength = min(Int(length), maxPositions)
        }
        try Self.checkPooling(files)
        normalizes = try Self.hasNormalizeModule(files)
    }

    /// The pooling must be the mean of the token vectors, which is what apex computes.
    private static func checkPooling(_ files: MiniLMModelFiles) throws(MiniLMModelError) {
        guard let data = try files.contents("1_Pooling/config.json") else { return }
        guard let pooling = try? JSONParser.parse(Array(data)) else { throw .damaged(path: files.describe("1_Pooling/config.json"), reason: "it is not JSON") }
        for mode in ["pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"] {
            if case .bool(true)? = pooling[mode] { throw .otherArchitecture(path: files.path, reason: "its pooling is \(mode), not the mean of the tokens") }
        }
    }

    /// sentence-transformers lists its modules; all-MiniLM-L6-v2 ends with `Normalize`. Without `modules.json` the
    /// vector is normalised, as every sentence embedder in apex is.
    private static func hasNormalizeModule(_ files: MiniLMModelFiles) throws(MiniLMModelError) -> Bool {
        guard let data = try files.contents("modules.json") else { return true }
        guard case .array(let modules)? = try? JSONParser.parse(Array(data)) else {
            throw .damaged(path: files.describe("modules.json"), reason: "it is not a JSON array")
        }
        return modules.contains { $0["type"]?.stringValue?.hasSuffix("Normalize") == true }
    }
}
