/// Why a MiniLM model cannot be loaded. Each reads as one sentence naming the file and what is wrong with it.
public enum MiniLMModelError: Error, Equatable, CustomStringConvertible {
    case cannotRead(path: String)
    case damaged(path: String, reason: String)
    case missingFile(path: String, name: String)
    case otherArchitecture(path: String, reason: String)
    case tensors(SafeTensorsError)
    case tokenizer(path: String, WordPieceTokenizerError)

    public var description: String {
        switch self {
        case .cannotRead(let path): "the embedder model \(path) cannot be read: give a model directory or its model.zip"
        case .damaged(let path, let reason): "the embedder model \(path) is damaged: \(reason)"
        case .missingFile(let path, let name):
            "the embedder model \(path) has no \(name): give the directory (or model.zip) of a sentence-transformers model such as all-MiniLM-L6-v2"
        case .otherArchitecture(let path, let reason):
            "the embedder model \(path) is of another architecture: \(reason); apex runs BERT encoders such as all-MiniLM-L6-v2"
        case .tensors(let error): error.description
        case .tokenizer(let path, let error): "the embedder model \(path): \(error)"
        }
    }
}
