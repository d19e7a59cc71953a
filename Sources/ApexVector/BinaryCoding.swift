/// Appends fixed-width little-endian values to a byte buffer: the vector index's file format.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func write<Value: FixedWidthInteger>(_ value: Value) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func write(_ value: Float) {
        write(value.bitPattern)
    }

    mutating func write<Value: FixedWidthInteger>(array: [Value]) {
        write(UInt64(array.count))
        for value in array { write(value) }
    }

    mutating func write(floats: [Float]) {
        write(UInt64(floats.count))
        for value in floats { write(value.bitPattern) }
    }

    mutating func write(string: String) {
        write(array: Array(string.utf8))
    }
}

/// Reads what ``ByteWriter`` wrote, refusing to read past the end or to allocate absurd counts.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset == bytes.count }

    /// What is left to read.
    func remainingBytes() -> [UInt8] { Array(bytes[offset...]) }

    mutating func read<Value: FixedWidthInteger>(_: Value.Type = Value.self) throws(VectorIndexError) -> Value {
        let size = MemoryLayout<Value>.size
        guard offset + size <= bytes.count else { throw .corruptFile(reason: "it ends early") }
        var value: Value = 0
        for index in 0..<size { value |= Value(truncatingIfNeeded: bytes[offset + index]) << (8 * index) }
        offset += size
        return value
    }

    mutating func readFloat() throws(VectorIndexError) -> Float {
        Float(bitPattern: try read(UInt32.self))
    }

    mutating func readCount(elementSize: Int) throws(VectorIndexError) -> Int {
        let count = try read(UInt64.self)
        guard count <= UInt64((bytes.count - offset) / max(1, elementSize)) else { throw .corruptFile(reason: "a count is larger than the file") }
        return Int(count)
    }

    mutating func readArray<Value: FixedWidthInteger>(_: Value.Type) throws(VectorIndexError) -> [Value] {
        let count = try readCount(elementSize: MemoryLayout<Value>.size)
        var values: [Value] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try read(Value.self)) }
        return values
    }

    mutating func readFloats() throws(VectorIndexError) -> [Float] {
        try readArray(UInt32.self).map(Float.init(bitPattern:))
    }

    mutating func readString() throws(VectorIndexError) -> String {
        String(decoding: try readArray(UInt8.self), as: UTF8.self)
    }
}
