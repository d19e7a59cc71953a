import CApexKernels
import Foundation

/// BERT's forward pass for one text at a time (no padding, so no attention mask), ending in the mean of the token
/// vectors, scaled to length 1 when the model says so: what sentence-transformers computes for all-MiniLM-L6-v2.
///
/// It exists so that apex embeds text on the CPU with no runtime: the products go to `apex_sgemm` (AVX2 and FMA
/// where the CPU has them); layer normalisation, GELU and softmax are plain loops over a few hundred thousand
/// values. A value type: any number of threads may run it at once, each on its own text.
struct BertEncoder: Sendable {
    let configuration: BertConfiguration
    let weights: BertWeights

    /// The sentence vector of one text's token ids (`[CLS]` … `[SEP]`, at most `maxSequenceLength` of them).
    func embed(_ ids: [Int32]) -> [Float] {
        let hidden = configuration.hiddenSize
        let length = min(ids.count, configuration.maxPositions)
        guard length > 0 else { return [Float](repeating: 0, count: hidden) }
        var states = [Float](repeating: 0, count: length * hidden)
        for position in 0..<length {
            let id = Int(ids[position])
            let row = position * hidden
            let word = (0..<configuration.vocabularySize).contains(id) ? id * hidden : 0
            for column in 0..<hidden {
                states[row + column] =
                    weights.wordEmbeddings[word + column] + weights.positionEmbeddings[position * hidden + column] + weights.tokenTypeEmbedding[column]
            }
        }
        normalizeRows(&states, rows: length, scale: weights.embeddingNormScale, bias: weights.embeddingNormBias)
        for layer in weights.layers { states = encode(states, length: length, layer: layer) }
        var pooled = [Float](repeating: 0, count: hidden)
        for position in 0..<length {
            for column in 0..<hidden { pooled[column] += states[position * hidden + column] }
        }
        let inverse = 1 / Float(length)
        for column in 0..<hidden { pooled[column] *= inverse }
        if configuration.normalizes {
            let norm = pooled.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { for column in 0..<hidden { pooled[column] /= norm } }
        }
        return pooled
    }

    /// One encoder layer: self-attention, add and normalise, feed-forward, add and normalise.
    private func encode(_ input: [Float], length: Int, layer: BertLayerWeights) -> [Float] {
        let queryKeyValue = layer.queryKeyValue.apply(input, rows: length, bias: layer.queryKeyValueBias)
        let context = attention(queryKeyValue, length: length)
        var attended = layer.attentionOutput.apply(context, rows: length, bias: layer.attentionOutputBias)
        for index in attended.indices { attended[index] += input[index] }
        normalizeRows(&attended, rows: length, scale: layer.attentionNormScale, bias: layer.attentionNormBias)
        var intermediate = layer.intermediate.apply(attended, rows: length, bias: layer.intermediateBias)
        intermediate.withUnsafeMutableBufferPointer { apex_gelu($0.baseAddress, $0.count) }
        var output = layer.output.apply(intermediate, rows: length, bias: layer.outputBias)
        for index in output.indices { output[index] += attended[index] }
        normalizeRows(&output, rows: length, scale: layer.outputNormScale, bias: layer.outputNormBias)
        return output
    }

    /// Scaled dot-product attention of every head; `queryKeyValue` holds each token's query, key and value side by side.
    private func attention(_ queryKeyValue: [Float], length: Int) -> [Float] {
        let hidden = configuration.hiddenSize
        let size = configuration.headSize
        let scale = 1 / Float(size).squareRoot()
        var context = [Float](repeating: 0, count: length * hidden)
        var queries = [Float](repeating: 0, count: length * size)
        var keys = [Float](repeating: 0, count: size * length)
        var values = [Float](repeating: 0, count: length * size)
        for head in 0..<configuration.heads {
            for position in 0..<length {
                let row = position * 3 * hidden + head * size
                for dimension in 0..<size {
                    queries[position * size + dimension] = queryKeyValue[row + dimension] * scale
                    keys[dimension * length + position] = queryKeyValue[row + hidden + dimension]
                    values[position * size + dimension] = queryKeyValue[row + 2 * hidden + dimension]
                }
            }
            var scores = product(queries, rows: length, inner: size, keys, columns: length)
            for position in 0..<length { softmax(&scores, row: position * length, count: length) }
            let headContext = product(scores, rows: length, inner: length, values, columns: size)
            for position in 0..<length {
                for dimension in 0..<size { context[position * hidden + head * size + dimension] = headContext[position * size + dimension] }
            }
        }
        return context
    }

    /// `left[rows][inner] · right[inner][columns]`: the attention's products, whose sizes follow the text.
    private func product(_ left: [Float], rows: Int, inner: Int, _ right: [Float], columns: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * columns) { result, count in
            left.withUnsafeBufferPointer { a in
                right.withUnsafeBufferPointer { b in
                    apex_sgemm(Int32(rows), Int32(columns), Int32(inner), a.baseAddress, b.baseAddress, result.baseAddress, nil)
                }
            }
            count = rows * columns
        }
    }

    /// Layer normalisation of each row of `values` in place.
    private func normalizeRows(_ values: inout [Float], rows: Int, scale: [Float], bias: [Float]) {
        let width = scale.count
        let epsilon = configuration.layerNormEpsilon
        for row in 0..<rows {
            let start = row * width
            var mean: Float = 0
            for column in 0..<width { mean += values[start + column] }
            mean /= Float(width)
            var variance: Float = 0
            for column in 0..<width {
                let centred = values[start + column] - mean
                variance += centred * centred
            }
            let inverse = 1 / (variance / Float(width) + epsilon).squareRoot()
            for column in 0..<width { values[start + column] = (values[start + column] - mean) * inverse * scale[column] + bias[column] }
        }
    }

    /// The softmax of `count` values starting at `row`, in place.
    private func softmax(_ values: inout [Float], row: Int, count: Int) {
        var largest = -Float.infinity
        for index in row..<(row + count) { largest = max(largest, values[index]) }
        var sum: Float = 0
        for index in row..<(row + count) {
            let value = expf(values[index] - largest)
            values[index] = value
            sum += value
        }
        let inverse = 1 / sum
        for index in row..<(row + count) { values[index] *= inverse }
    }
}
