import ApexCore
import Foundation

/// A model's weights in the safetensors format: an 8-byte little-endian header length, a JSON header naming each
/// tensor's type, shape and byte range, then the bytes. The file is mapped, not read, and a tensor is copied out as
/// `Float`s only when asked for.
///
/// It exists so that apex loads all-MiniLM-L6-v2 (`model.safetensors`) itself, with no Python and no runtime
/// (issue 15); a damaged or foreign file is one sentence, never a crash.
public struct SafeTensorsFile: Sendable {
    /// One tensor the header describes.
    public struct Entry: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Its bytes, relative to the start of the data section.
        public let range: Range<Int>

        public var count: Int { shape.reduce(1, *) }
    }

    public let path: String
    public let entries: [String: Entry]
    private let data: Data
    private let dataStart: Int

    public init(path: String) throws(SafeTensorsError) {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { throw .cannotRead(path: path) }
        try self.init(data: data, path: path)
    }

    /// Reads a safetensors file already in memory (an entry of a zip archive); `path` names it in errors.
    init(data: Data, path: String) throws(SafeTensorsError) {
        self.path = path
        guard data.count >= 8 else { throw .damaged(path: path, reason: "it is shorter than its 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else { throw .damaged(path: path, reason: "its header length \(headerLength) runs past the file's end") }
        let start = 8 + Int(headerLength)
        guard let header = try? JSONParser.parse(Array(data[8..<start])), case .object(let members) = header else {
            throw .damaged(path: path, reason: "its header is not a JSON object")
        }
        var entries: [String: Entry] = [:]
        for (name, value) in members where name != "__metadata__" {
            guard let dtype = value["dtype"]?.stringValue, case .array(let shapeValues)? = value["shape"], case .array(let offsets)? = value["data_offsets"],
                offsets.count == 2, case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1], begin >= 0, begin <= end,
                end <= Int64(data.count - start)
            else { throw .damaged(path: path, reason: "its header entry \(name) has no dtype, shape or data_offsets within the file") }
            var shape: [Int] = []
            for dimension in shapeValues {
                guard case .integer(let size) = dimension, size >= 0, size < 1 << 31 else { throw .damaged(path: path, reason: "tensor \(name) has a bad shape") }
                shape.append(Int(size))
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: Int(begin)..<Int(end))
        }
        self.entries = entries
        self.data = data
        self.dataStart = start
    }

    /// The tensor's values as `Float`s, row-major; its shape must be `shape` when given.
    public func floats(_ name: String, shape expected: [Int]? = nil) throws(SafeTensorsError) -> [Float] {
        guard let entry = entries[name] else { throw .missingTensor(path: path, name: name) }
        if let expected, expected != entry.shape { throw .wrongShape(path: path, name: name, expected: expected, found: entry.shape) }
        let width: Int
        switch entry.dtype {
        case "F32": width = 4
        case "F16", "BF16": width = 2
        default: throw .unsupportedType(path: path, name: name, dtype: entry.dtype)
        }
        guard entry.range.count == entry.count * width else {
            throw .damaged(path: path, reason: "tensor \(name) holds \(entry.range.count) bytes, not \(entry.count * width) for its shape")
        }
        let bytes = data[(dataStart + entry.range.lowerBound)..<(dataStart + entry.range.upperBound)]
        var values = [Float](repeating: 0, count: entry.count)
        bytes.withUnsafeBytes { raw in
            switch entry.dtype {
            case "F32":
                for index in 0..<entry.count { values[index] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self).littleEndian) }
            case "F16":
                for index in 0..<entry.count {
                    values[index] = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self).littleEndian))
                }
            default:
                for index in 0..<entry.count {
                    values[index] = Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self).littleEndian) << 16)
                }
            }
        }
        return values
    }
}

/// Why a safetensors file cannot be used. Each reads as one sentence.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    case cannotRead(path: String)
    case damaged(path: String, reason: String)
    case missingTensor(path: String, name: String)
    case wrongShape(path: String, name: String, expected: [Int], found: [Int])
    case unsupportedType(path: String, name: String, dtype: String)

    public var description: String {
        switch self {
        case .cannotRead(let path): "\(path) cannot be read"
        case .damaged(let path, let reason): "\(path) is not a sound safetensors file: \(reason)"
        case .missingTensor(let path, let name): "\(path) has no tensor \(name): it is not the model apex expects"
        case .wrongShape(let path, let name, let expected, let found):
            "\(path): tensor \(name) has shape \(found), not \(expected): it is a model of another size"
        case .unsupportedType(let path, let name, let dtype): "\(path): tensor \(name) is \(dtype); apex reads F32, F16 and BF16"
        }
    }
}
