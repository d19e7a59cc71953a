public import ApexCore
public import ApexPorts

/// Feeds a JSON Lines file to a store, checking each line as it goes.
///
/// Blank lines are skipped (they still count for line numbers). The first bad
/// line throws ``IngestError/badRecord(_:)``, which makes the store roll the
/// whole file back.
public final class JSONLinesSource: RecordSource {
    private let reader: ByteLineReader
    private let decoder: RecordDecoder
    private let ingestionTime: Timestamp
    private let progress: (@Sendable (IngestProgress) -> Void)?
    private var lineNumber = 0
    private var records = 0

    /// How many lines pass between two progress reports.
    static let progressInterval = 20_000

    public init(reader: ByteLineReader, ontology: Ontology, ingestionTime: Timestamp, progress: (@Sendable (IngestProgress) -> Void)?) {
        self.reader = reader
        self.decoder = RecordDecoder(ontology: ontology)
        self.ingestionTime = ingestionTime
        self.progress = progress
    }

    public func next() throws -> IngestRecord? {
        while true {
            lineNumber += 1
            let decoded = try reader.nextLine { bytes -> Result<Record?, RecordError> in
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .success(nil) }
                return Result { () throws(RecordError) in try decoder.decode(line: bytes, number: lineNumber) }
            }
            guard let decoded else {
                progress?(IngestProgress(lines: lineNumber - 1, records: records, bytesRead: reader.bytesRead, totalBytes: reader.totalBytes, finished: true))
                return nil
            }
            let record: Record?
            do {
                record = try decoded.get()
            } catch {
                throw IngestError.badRecord(error)
            }
            guard let record else { continue }
            records += 1
            if let progress, records % Self.progressInterval == 0 {
                progress(IngestProgress(lines: lineNumber, records: records, bytesRead: reader.bytesRead, totalBytes: reader.totalBytes, finished: false))
            }
            return IngestRecord(
                record: record, recordedAt: record.recordedAt ?? ingestionTime, recordedAtIsImplicit: record.recordedAt == nil)
        }
    }
}

/// How far an ingest has got, for progress output.
public struct IngestProgress: Sendable {
    public var lines: Int
    public var records: Int
    public var bytesRead: Int64
    public var totalBytes: Int64?
    public var finished: Bool
}

/// Feeds records already in memory (a JSON array, a test's list) to a store.
public final class RecordListSource: RecordSource {
    private var iterator: IndexingIterator<[IngestRecord]>

    public init(_ records: [IngestRecord]) {
        iterator = records.makeIterator()
    }

    public func next() throws -> IngestRecord? {
        iterator.next()
    }
}
