#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file (or standard input) line by line in large blocks, without loading it whole.
///
/// Memory stays at the block size plus the longest line, whatever the file's
/// size. A `\r\n` ending loses its `\r`; a leading UTF-8 byte order mark is skipped.
public final class ByteLineReader {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEndOfFile = false
    private var isFirstLine = true
    /// Bytes read from the file so far.
    public private(set) var bytesRead: Int64 = 0
    /// The file's size when known (not for pipes).
    public let totalBytes: Int64?

    private static let blockSize = 1 << 20

    /// Opens `path`; `-` reads standard input.
    public init(path: String) throws(IngestError) {
        if path == "-" {
            descriptor = 0
            ownsDescriptor = false
            totalBytes = nil
        } else {
            let opened = open(path, O_RDONLY)
            guard opened >= 0 else { throw IngestError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
            var info = stat()
            guard fstat(opened, &info) == 0 else {
                close(opened)
                throw IngestError.cannotRead(path: path, reason: String(cString: strerror(errno)))
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                close(opened)
                throw IngestError.cannotRead(path: path, reason: "it is a directory")
            }
            descriptor = opened
            ownsDescriptor = true
            totalBytes = (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : nil
        }
        buffer = [UInt8](repeating: 0, count: Self.blockSize)
    }

    /// Everything on standard input, read to its end.
    public static func standardInputBytes() throws(IngestError) -> [UInt8] {
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: blockSize)
        while true {
            let count = block.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw IngestError.cannotRead(path: "-", reason: String(cString: strerror(errno)))
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: block[0..<count])
        }
    }

    /// Reads lines from bytes already in memory (an HTTP body).
    public init(bytes: [UInt8]) {
        descriptor = -1
        ownsDescriptor = false
        totalBytes = Int64(bytes.count)
        buffer = bytes
        end = bytes.count
        bytesRead = Int64(bytes.count)
        atEndOfFile = true
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// Calls `body` with the next line (without its end-of-line bytes); false at the end of the file.
    public func nextLine<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) throws -> Result? {
        while true {
            if let newline = findNewline() {
                let lineStart = start
                start = newline + 1
                return try emit(lineStart, newline, body)
            }
            if atEndOfFile {
                guard start < end else { return nil }
                let lineStart = start
                start = end
                return try emit(lineStart, end, body)
            }
            try fill()
        }
    }

    private func findNewline() -> Int? {
        guard end > start else { return nil }
        return buffer.withUnsafeBufferPointer { pointer -> Int? in
            guard let base = pointer.baseAddress, let found = memchr(base + start, 0x0A, end - start) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    private func emit<Result>(_ lineStart: Int, _ lineEnd: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) throws -> Result {
        var from = lineStart
        var to = lineEnd
        if isFirstLine {
            isFirstLine = false
            if to - from >= 3, buffer[from] == 0xEF, buffer[from + 1] == 0xBB, buffer[from + 2] == 0xBF { from += 3 }
        }
        if to > from, buffer[to - 1] == 0x0D { to -= 1 }
        return try buffer.withUnsafeBufferPointer { pointer in
            try body(UnsafeBufferPointer(rebasing: pointer[from..<to]))
        }
    }

    private func fill() throws {
        if start > 0 {
            // Move the partial line to the front.
            let remaining = end - start
            if remaining > 0 {
                for index in 0..<remaining { buffer[index] = buffer[start + index] }
            }
            start = 0
            end = remaining
        }
        if end == buffer.count {
            buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count))
        }
        let count = buffer.withUnsafeMutableBufferPointer { pointer -> Int in
            guard let base = pointer.baseAddress else { return 0 }
            return read(descriptor, base + end, pointer.count - end)
        }
        if count < 0 {
            if errno == EINTR { return }
            throw IngestError.cannotRead(path: "input", reason: String(cString: strerror(errno)))
        }
        if count == 0 {
            atEndOfFile = true
        } else {
            end += count
            bytesRead += Int64(count)
        }
    }
}
