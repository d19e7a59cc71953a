import ApexCore
import ApexPorts
import Foundation

/// Reads an export directory (``DumpFormat``) into empty stores, keeping every id, recorded time and source.
///
/// The records go in through the ingest path in one all-or-nothing write (on
/// SQLite and PostgreSQL one transaction; with FalkorDB a saga), with the ids
/// of `entities.jsonl` instead of new ones; the documents follow one by one,
/// with their exported vectors when the configured embedder made them.
public struct MemoryImporter: Sendable {
    public let memory: MemoryService
    /// Stores the documents; nil skips them (an export without documents needs none).
    public let documents: DocumentService?

    public init(memory: MemoryService, documents: DocumentService?) {
        self.memory = memory
        self.documents = documents
    }

    /// What an import stored, and how many documents kept their exported vectors.
    public struct Summary: Sendable, Equatable {
        public var counts: DumpCounts
        public var documentsWithExportedVectors: Int
    }

    /// Imports `directory` into the memory's stores, which must hold nothing yet.
    public func importDump(from directory: String, progress: (@Sendable (IngestProgress) -> Void)? = nil) async throws -> Summary {
        let manifest = try DumpManifest.read(directory: directory)
        // Every document line is checked before anything is written, so that a bad one leaves the target empty.
        let documentLines = try Self.checkDocuments(path(directory, DumpFormat.documentsFile))
        if documentLines > 0, documents == nil {
            throw DumpError.badFile(path: path(directory, DumpFormat.documentsFile), line: nil, reason: "it holds documents, and this import has no document service to store them")
        }
        try await requireEmptyTarget()
        let ontologyPath = path(directory, DumpFormat.ontologyFile)
        guard let ontologyBytes = FileManager.default.contents(atPath: ontologyPath) else {
            throw DumpError.badFile(path: ontologyPath, line: nil, reason: "it cannot be read")
        }
        let (ontology, toStore) = try await memory.resolveOntology(source: String(decoding: ontologyBytes, as: UTF8.self))
        let identities = try Self.readEntities(path(directory, DumpFormat.entitiesFile))
        let recordsPath = path(directory, DumpFormat.recordsFile)
        let ingestionTime = memory.now
        let summary = try await memory.write(
            ontology: ontology, toStore: toStore, ingestionTime: ingestionTime,
            identify: { named, _ in
                var new: [EntityHandle] = []
                new.reserveCapacity(named.count)
                for ref in named {
                    guard let id = identities[ref] else { throw DumpError.unknownEntity(ref: ref) }
                    new.append(EntityHandle(id: id, ref: ref))
                }
                return EntityIdentities(known: [:], new: new)
            },
            makeSource: { reporting in
                JSONLinesSource(reader: try ByteLineReader(path: recordsPath), ontology: ontology, ingestionTime: ingestionTime, progress: reporting ? progress : nil)
            })
        var counts = DumpCounts()
        counts.entities = summary.newEntities
        counts.records = summary.accepted
        let (documentCount, kept) = try await importDocuments(path(directory, DumpFormat.documentsFile), embedder: manifest.vectors ? manifest.embedder : nil)
        counts.documents = documentCount
        return Summary(counts: counts, documentsWithExportedVectors: kept)
    }

    /// Refuses stores that already hold an ontology or an entity: ids from the export could clash with theirs.
    private func requireEmptyTarget() async throws {
        if try await !memory.store.entities(after: nil, limit: 1).isEmpty { throw DumpError.targetNotEmpty(entities: true) }
        if try await memory.store.ontologySource() != nil { throw DumpError.targetNotEmpty(entities: false) }
    }

    /// The ids of `entities.jsonl`, by natural key; a bad line is one sentence naming it.
    static func readEntities(_ path: String) throws -> [EntityRef: EntityID] {
        let reader = try ByteLineReader(path: path)
        var ids: [EntityRef: EntityID] = [:]
        var seen = Set<EntityID>()
        var line = 0
        while let entry = try reader.nextLine({ bytes -> Result<(EntityRef, EntityID)?, DumpError> in
            line += 1
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .success(nil) }
            guard let json = try? JSONParser.parse(bytes), let text = json["id"]?.stringValue, let id = EntityID(text),
                let type = json["type"]?.stringValue, let key = json["key"]?.stringValue
            else {
                return .failure(.badFile(path: path, line: line, reason: "it is not {\"id\": UUID, \"type\": T, \"key\": K}"))
            }
            return .success((EntityRef(type: type, key: key), id))
        }) {
            guard let (ref, id) = try entry.get() else { continue }
            guard ids.updateValue(id, forKey: ref) == nil else { throw DumpError.badFile(path: path, line: line, reason: "\(ref) is listed twice") }
            guard seen.insert(id).inserted else { throw DumpError.badFile(path: path, line: line, reason: "id \(id) is listed twice") }
        }
        return ids
    }

    /// Parses every line of `documents.jsonl` (a missing file holds none); returns how many documents it holds.
    static func checkDocuments(_ path: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        let reader = try ByteLineReader(path: path)
        var (count, line) = (0, 0)
        while let parsed = try reader.nextLine({ bytes -> Result<Bool, DumpError> in
            line += 1
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .success(false) }
            return Result { () throws(DumpError) in
                _ = try Self.document(bytes, path: path, line: line)
                return true
            }
        }) {
            if try parsed.get() { count += 1 }
        }
        return count
    }

    /// Stores each document of `documents.jsonl`; returns how many, and how many kept their exported vectors.
    private func importDocuments(_ path: String, embedder: EmbedderIdentity?) async throws -> (Int, Int) {
        guard FileManager.default.fileExists(atPath: path) else { return (0, 0) }
        let reader = try ByteLineReader(path: path)
        var (count, kept, line) = (0, 0, 0)
        while let parsed = try reader.nextLine({ bytes -> Result<DumpedDocument?, DumpError> in
            line += 1
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .success(nil) }
            return Result { () throws(DumpError) in try Self.document(bytes, path: path, line: line) }
        }) {
            guard let document = try parsed.get() else { continue }
            guard let documents else {
                throw DumpError.badFile(path: path, line: line, reason: "it holds documents, and this import has no document service to store them")
            }
            if try await documents.restore(document, exportedBy: embedder) { kept += 1 }
            count += 1
        }
        return (count, kept)
    }

    /// One line of `documents.jsonl`.
    static func document(_ bytes: UnsafeBufferPointer<UInt8>, path: String, line: Int) throws(DumpError) -> DumpedDocument {
        func bad(_ reason: String) -> DumpError { .badFile(path: path, line: line, reason: reason) }
        guard let json = try? JSONParser.parse(bytes) else { throw bad("it is not JSON") }
        guard let id = json["id"]?.stringValue.flatMap(EntityID.init) else { throw bad("id is not a UUID") }
        guard let title = json["title"]?.stringValue, let content = json["content"]?.stringValue else { throw bad("title or content is missing") }
        guard let recordedAt = json["recorded_at"]?.stringValue.flatMap(Timestamp.parse) else { throw bad("recorded_at is not an RFC 3339 time") }
        var referenceTime: Timestamp?
        if let text = json["reference_time"]?.stringValue {
            guard let time = Timestamp.parse(text) else { throw bad("reference_time is not an RFC 3339 time") }
            referenceTime = time
        }
        let metadata = json["metadata"] ?? .object([])
        guard case .object = metadata else { throw bad("metadata is not an object") }
        var mentions: [EntityID] = []
        for mention in json["mentions"]?.arrayValue ?? [] {
            guard let entity = mention.stringValue.flatMap(EntityID.init) else { throw bad("a mention is not a UUID") }
            mentions.append(entity)
        }
        var chunks: [DumpedChunk] = []
        for chunk in json["chunks"]?.arrayValue ?? [] {
            guard let start = chunk["start"]?.integerValue, let end = chunk["end"]?.integerValue, let numbers = chunk["embedding"]?.arrayValue else {
                throw bad("a chunk lacks start, end or embedding")
            }
            var embedding: [Float] = []
            embedding.reserveCapacity(numbers.count)
            for number in numbers {
                switch number {
                case .number(let value): embedding.append(Float(value))
                case .integer(let value): embedding.append(Float(value))
                default: throw bad("an embedding holds \(number.kindName), not a number")
                }
            }
            chunks.append(DumpedChunk(start: Int(start), end: Int(end), embedding: embedding))
        }
        let record = DocumentRecord(
            id: id, title: title, content: content, metadata: metadata, source: json["source"]?.stringValue, referenceTime: referenceTime,
            recordedAt: recordedAt, chunkCount: chunks.count)
        return DumpedDocument(record: record, mentions: mentions, chunks: chunks)
    }

    private func path(_ directory: String, _ file: String) -> String {
        (directory as NSString).appendingPathComponent(file)
    }
}
