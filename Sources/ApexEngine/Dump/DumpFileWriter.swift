import ApexCore
import Foundation

/// Where record lines go: an export's file, or a backfill's batch in memory.
protocol RecordLineSink: AnyObject {
    /// Appends one line: `body` writes its bytes, the newline is added by the sink.
    func line(_ body: (inout [UInt8]) -> Void) throws
    /// Notes an entity the lines name besides those of the page (a fact's or an end's other side).
    func named(_ handle: EntityHandle)
}

/// Record lines kept in memory, with every entity they name: one batch of a move's backfill.
final class RecordLineBuffer: RecordLineSink {
    private(set) var bytes: [UInt8] = []
    private(set) var named: [EntityRef: EntityID] = [:]
    private(set) var lines = 0

    func line(_ body: (inout [UInt8]) -> Void) {
        body(&bytes)
        bytes.append(UInt8(ascii: "\n"))
        lines += 1
    }

    func named(_ handle: EntityHandle) { named[handle.ref] = handle.id }
}

/// Appends lines to a new file through a 1 MiB buffer: an export writes millions of short lines.
final class DumpFileWriter: RecordLineSink {
    let path: String
    private let handle: FileHandle
    private(set) var buffer: [UInt8] = []
    private static let flushSize = 1 << 20

    /// Creates the file (it must not exist).
    init(path: String) throws(DumpError) {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw .cannotWrite(path: path, reason: "the file cannot be created")
        }
        self.handle = handle
        buffer.reserveCapacity(Self.flushSize + 4096)
    }

    /// Appends one line: `body` writes its bytes, the newline is added here.
    func line(_ body: (inout [UInt8]) -> Void) throws(DumpError) {
        body(&buffer)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= Self.flushSize { try flush() }
    }

    func named(_ handle: EntityHandle) {}

    func flush() throws(DumpError) {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw .cannotWrite(path: path, reason: "\(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered, syncs the file to disk and closes it.
    func close() throws(DumpError) {
        try flush()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw .cannotWrite(path: path, reason: "\(error.localizedDescription)")
        }
    }
}
