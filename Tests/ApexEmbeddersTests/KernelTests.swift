import CApexKernels
import Foundation
import Testing

/// The C kernels against plain loops: the matrix products in both layouts (with sizes that leave remainders in
/// rows and columns), the vector index's distances, and the erf of GELU against the C library's.
@Suite struct KernelTests {
    static func reference(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, bias: [Float]?) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = Double(bias?[j] ?? 0)
                for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
                c[i * n + j] = sum
            }
        }
        return c
    }

    static func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float(sin(Double($0 * 7 + seed)) * 0.5) }
    }

    @Test(arguments: [(1, 16, 3), (7, 37, 19), (13, 48, 64), (6, 32, 5), (128, 1152, 384)])
    func productsEqualPlainLoops(_ size: (Int, Int, Int)) {
        let (m, n, k) = size
        let a = Self.values(m * k, seed: 1)
        let b = Self.values(k * n, seed: 2)
        let bias = Self.values(n, seed: 3)
        let expected = Self.reference(a, b, m: m, n: n, k: k, bias: bias)
        var plain = [Float](repeating: .nan, count: m * n)
        apex_sgemm(Int32(m), Int32(n), Int32(k), a, b, &plain, bias)
        #expect(zip(plain, expected).allSatisfy { abs(Double($0) - $1) < 1e-4 })
        var unbiased = [Float](repeating: .nan, count: m * n)
        apex_sgemm(Int32(m), Int32(n), Int32(k), a, b, &unbiased, nil)
        #expect(zip(unbiased, Self.reference(a, b, m: m, n: n, k: k, bias: nil)).allSatisfy { abs(Double($0) - $1) < 1e-4 })
        guard n % 16 == 0 else { return }
        var packed = [Float](repeating: 0, count: k * n)
        apex_pack_panels(Int32(n), Int32(k), b, &packed)
        var fromPacked = [Float](repeating: .nan, count: m * n)
        apex_sgemm_packed(Int32(m), Int32(n), Int32(k), a, packed, &fromPacked, bias)
        #expect(zip(fromPacked, expected).allSatisfy { abs(Double($0) - $1) < 1e-4 })
    }

    /// The vector index's distance kernels, at lengths that leave every kind of remainder.
    @Test func distancesEqualPlainLoops() {
        for count in [0, 1, 7, 8, 15, 16, 31, 33, 63, 384, 385, 1_536] {
            let a = Self.values(count, seed: 4)
            let b = Self.values(count, seed: 5)
            let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let squared = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
            #expect(abs(Double(apex_dot(a, b, count)) - dot) < 1e-4, "dot of \(count)")
            #expect(abs(Double(apex_squared_l2(a, b, count)) - squared) < 1e-4, "squared distance of \(count)")
            let x = (0..<count).map { Int8(truncatingIfNeeded: $0 * 37 - 128) }
            let y = (0..<count).map { Int8(truncatingIfNeeded: $0 * 91 + 5) }
            let codes = zip(x, y).reduce(Int32(0)) { $0 + Int32($1.0) * Int32($1.1) }
            #expect(apex_dot_i8(x, y, count) == codes, "int8 dot of \(count)")
        }
        // The extremes of int8 do not overflow the 16-bit products.
        let low = [Int8](repeating: -128, count: 64)
        #expect(apex_dot_i8(low, low, 64) == 64 * 16_384)
    }

    @Test func erfIsTheCLibrarys() {
        var worst: Double = 0
        for step in -8_000...8_000 {
            let x = Float(step) / 1_000
            worst = max(worst, abs(Double(apex_erf(x)) - erf(Double(x))))
        }
        #expect(worst < 5e-7, "largest error \(worst)")  // about 4 units in the last place near ±1
        var values: [Float] = [-3, -1, 0, 0.5, 2]
        apex_gelu(&values, values.count)
        let expected = [-3.0, -1, 0, 0.5, 2].map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }
        #expect(zip(values, expected).allSatisfy { abs(Double($0) - $1) < 1e-6 })
    }
}
