import CApexKernels

/// A weight matrix `[inputs][outputs]` laid out for `apex_sgemm_packed` (panels of 16 output columns, each row of a
/// panel contiguous) when the outputs are a multiple of 16, as in every BERT size; row-major otherwise.
///
/// Weights never change, so they are rearranged once at load: the product then reads them as one stream.
struct WeightMatrix: Sendable {
    let inputs: Int
    let outputs: Int
    let isPacked: Bool
    let values: [Float]

    /// `matrix` is `[inputs][outputs]`, row-major.
    init(_ matrix: [Float], inputs: Int, outputs: Int) {
        self.inputs = inputs
        self.outputs = outputs
        isPacked = outputs % 16 == 0
        guard isPacked else {
            values = matrix
            return
        }
        values = [Float](unsafeUninitializedCapacity: matrix.count) { packed, count in
            matrix.withUnsafeBufferPointer { apex_pack_panels(Int32(outputs), Int32(inputs), $0.baseAddress, packed.baseAddress) }
            count = matrix.count
        }
    }

    /// `input[rows][inputs] · self + bias`.
    func apply(_ input: [Float], rows: Int, bias: [Float]) -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * outputs) { result, count in
            input.withUnsafeBufferPointer { a in
                values.withUnsafeBufferPointer { b in
                    bias.withUnsafeBufferPointer { bias in
                        if isPacked {
                            apex_sgemm_packed(Int32(rows), Int32(outputs), Int32(inputs), a.baseAddress, b.baseAddress, result.baseAddress, bias.baseAddress)
                        } else {
                            apex_sgemm(Int32(rows), Int32(outputs), Int32(inputs), a.baseAddress, b.baseAddress, result.baseAddress, bias.baseAddress)
                        }
                    }
                }
            }
            count = rows * outputs
        }
    }
}
