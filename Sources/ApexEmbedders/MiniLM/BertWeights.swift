import Foundation

/// The weights of one encoder layer, each matrix input-major (`[in][out]`, the transpose of PyTorch's `[out][in]`)
/// and packed for the product; query, key and value side by side in one matrix.
struct BertLayerWeights: Sendable {
    var queryKeyValue: WeightMatrix
    var queryKeyValueBias: [Float]
    var attentionOutput: WeightMatrix
    var attentionOutputBias: [Float]
    var attentionNormScale: [Float]
    var attentionNormBias: [Float]
    var intermediate: WeightMatrix
    var intermediateBias: [Float]
    var output: WeightMatrix
    var outputBias: [Float]
    var outputNormScale: [Float]
    var outputNormBias: [Float]
}

/// All of a BERT encoder's weights, checked against its configuration's shapes as they are read.
struct BertWeights: Sendable {
    var wordEmbeddings: [Float]
    var positionEmbeddings: [Float]
    /// Token type 0's row: every text is one segment.
    var tokenTypeEmbedding: [Float]
    var embeddingNormScale: [Float]
    var embeddingNormBias: [Float]
    var layers: [BertLayerWeights]

    init(tensors: SafeTensorsFile, configuration: BertConfiguration) throws(MiniLMModelError) {
        let hidden = configuration.hiddenSize
        let inner = configuration.intermediateSize
        // sentence-transformers saves the encoder's own names; a checkpoint of BertModel's parent prefixes "bert.".
        let prefix = tensors.entries["embeddings.word_embeddings.weight"] == nil && tensors.entries["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func read(_ name: String, _ shape: [Int]) throws(MiniLMModelError) -> [Float] {
            do { return try tensors.floats(prefix + name, shape: shape) } catch { throw .tensors(error) }
        }
        func linear(_ name: String, input: Int, output: Int) throws(MiniLMModelError) -> [Float] {
            Self.transpose(try read(name, [output, input]), rows: output, columns: input)
        }
        func matrix(_ name: String, input: Int, output: Int) throws(MiniLMModelError) -> WeightMatrix {
            WeightMatrix(try linear(name, input: input, output: output), inputs: input, outputs: output)
        }
        wordEmbeddings = try read("embeddings.word_embeddings.weight", [configuration.vocabularySize, hidden])
        positionEmbeddings = try read("embeddings.position_embeddings.weight", [configuration.maxPositions, hidden])
        tokenTypeEmbedding = Array(try read("embeddings.token_type_embeddings.weight", [configuration.typeVocabularySize, hidden]).prefix(hidden))
        embeddingNormScale = try read("embeddings.LayerNorm.weight", [hidden])
        embeddingNormBias = try read("embeddings.LayerNorm.bias", [hidden])
        var layers: [BertLayerWeights] = []
        for index in 0..<configuration.layers {
            let layer = "encoder.layer.\(index)."
            let query = try linear(layer + "attention.self.query.weight", input: hidden, output: hidden)
            let key = try linear(layer + "attention.self.key.weight", input: hidden, output: hidden)
            let value = try linear(layer + "attention.self.value.weight", input: hidden, output: hidden)
            var queryKeyValue = [Float](repeating: 0, count: hidden * 3 * hidden)
            for row in 0..<hidden {
                for (part, matrix) in [query, key, value].enumerated() {
                    let target = row * 3 * hidden + part * hidden
                    queryKeyValue.replaceSubrange(target..<(target + hidden), with: matrix[(row * hidden)..<((row + 1) * hidden)])
                }
            }
            layers.append(
                BertLayerWeights(
                    queryKeyValue: WeightMatrix(queryKeyValue, inputs: hidden, outputs: 3 * hidden),
                    queryKeyValueBias: try read(layer + "attention.self.query.bias", [hidden]) + read(layer + "attention.self.key.bias", [hidden])
                        + read(layer + "attention.self.value.bias", [hidden]),
                    attentionOutput: try matrix(layer + "attention.output.dense.weight", input: hidden, output: hidden),
                    attentionOutputBias: try read(layer + "attention.output.dense.bias", [hidden]),
                    attentionNormScale: try read(layer + "attention.output.LayerNorm.weight", [hidden]),
                    attentionNormBias: try read(layer + "attention.output.LayerNorm.bias", [hidden]),
                    intermediate: try matrix(layer + "intermediate.dense.weight", input: hidden, output: inner),
                    intermediateBias: try read(layer + "intermediate.dense.bias", [inner]),
                    output: try matrix(layer + "output.dense.weight", input: inner, output: hidden),
                    outputBias: try read(layer + "output.dense.bias", [hidden]),
                    outputNormScale: try read(layer + "output.LayerNorm.weight", [hidden]),
                    outputNormBias: try read(layer + "output.LayerNorm.bias", [hidden])))
        }
        self.layers = layers
    }

    /// `[rows][columns]` to `[columns][rows]`.
    static func transpose(_ matrix: [Float], rows: Int, columns: Int) -> [Float] {
        var result = [Float](repeating: 0, count: matrix.count)
        for row in 0..<rows {
            for column in 0..<columns { result[column * rows + row] = matrix[row * columns + column] }
        }
        return result
    }
}
