import CApexKernels

/// The inner loops: dot products and squared distances over contiguous floats or int8 codes (CApexKernels for the
/// float and int8 dot products, which take most of a search; Swift SIMD for the int8 squared distance).
enum Distance {
    /// Σ aᵢbᵢ, in CApexKernels (AVX2 and FMA when the CPU has them: Swift's SIMD types compile to SSE without FMA
    /// on a baseline x86-64 target).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        apex_dot(a, b, count)
    }

    @inline(__always)
    static func squaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        apex_squared_l2(a, b, count)
    }

    /// Σ aᵢbᵢ over int8 codes, accumulated in 32-bit integers (CApexKernels: AVX2 when the CPU has it).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, _ count: Int) -> Int32 {
        apex_dot_i8(a, b, count)
    }

    /// Σ (aᵢ − bᵢ)² over int8 codes.
    @inline(__always)
    static func squaredL2(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, _ count: Int) -> Int32 {
        var sum = SIMD16<Int32>(repeating: 0)
        var index = 0
        let rawA = UnsafeRawPointer(a)
        let rawB = UnsafeRawPointer(b)
        while index + 16 <= count {
            let difference =
                SIMD16<Int32>(truncatingIfNeeded: rawA.loadUnaligned(fromByteOffset: index, as: SIMD16<Int8>.self))
                &- SIMD16<Int32>(truncatingIfNeeded: rawB.loadUnaligned(fromByteOffset: index, as: SIMD16<Int8>.self))
            sum &+= difference &* difference
            index += 16
        }
        var total = sum.wrappedSum()
        while index < count {
            let difference = Int32(a[index]) - Int32(b[index])
            total &+= difference &* difference
            index += 1
        }
        return total
    }
}
