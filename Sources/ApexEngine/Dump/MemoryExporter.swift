import ApexCore
public import ApexPorts
import Foundation

/// Writes a whole memory to an export directory (``DumpFormat``), page by page, from whichever stores hold it.
///
/// Entities are read in id order, a page at a time; each page's property
/// versions, and the facts and ends whose `from` is in the page, follow as
/// record lines, so every stored row is written once and memory stays flat.
/// Writes that land during an export are in it or not, page by page: for one
/// consistent moment, stop writers or use `apex backup` on the embedded store.
public struct MemoryExporter: Sendable {
    public let store: any TemporalStore
    /// Entities per page.
    public var pageSize = 1_000
    /// Documents per page.
    public var documentPageSize = 100

    public init(store: any TemporalStore) {
        self.store = store
    }

    /// Exports into `directory` (created; it must be missing or empty); `vectors` adds each chunk's stored vector.
    public func export(to directory: String, vectors: Bool, progress: (@Sendable (DumpCounts) -> Void)? = nil) async throws -> DumpManifest {
        try Self.prepare(directory)
        let exportedAt = Timestamp.wallClock
        guard let ontology = try await store.ontologySource() else { throw DumpError.nothingToExport }
        try write(ontology, to: path(directory, DumpFormat.ontologyFile))
        var counts = DumpCounts()
        let entities = try DumpFileWriter(path: path(directory, DumpFormat.entitiesFile))
        let records = try DumpFileWriter(path: path(directory, DumpFormat.recordsFile))
        var after: EntityID?
        var refs = EntityRefLookup(store: store)
        while true {
            let page = try await store.entities(after: after, limit: pageSize)
            guard let last = page.last else { break }
            after = last.id
            refs.remember(page)
            for handle in page { try entities.line { DumpLines.entity(handle, to: &$0) } }
            counts.entities += page.count
            try await writeRecords(of: page, to: records, counts: &counts, refs: &refs)
            progress?(counts)
        }
        try entities.close()
        try records.close()
        let embedder = try await store.embedder()
        try await writeDocuments(to: path(directory, DumpFormat.documentsFile), vectors: vectors && embedder != nil, counts: &counts)
        progress?(counts)
        let manifest = DumpManifest(exportedAt: exportedAt, counts: counts, embedder: embedder, vectors: vectors && embedder != nil)
        try write(JSONWriter.prettyString(manifest.json) + "\n", to: path(directory, DumpFormat.manifestFile))
        return manifest
    }

    private func writeRecords(of page: [EntityHandle], to file: DumpFileWriter, counts: inout DumpCounts, refs: inout EntityRefLookup) async throws {
        try await Self.recordLines(of: page, from: store, to: file, counts: &counts, refs: &refs)
    }

    /// The record lines of one page of entities: their state records, then the facts and ends they are the source of
    /// (also what a move's backfill copies).
    static func recordLines(
        of page: [EntityHandle], from store: any TemporalStore, to file: some RecordLineSink, counts: inout DumpCounts, refs: inout EntityRefLookup
    ) async throws {
        let ids = page.map(\.id)
        async let versionRead = store.dumpedVersions(of: ids)
        async let relationRead = store.dumpedRelations(from: ids)
        let (versions, relations) = try await (versionRead, relationRead)
        try await recordLines(of: page, versions: versions, relations: relations, to: file, counts: &counts, refs: &refs)
    }

    /// The record lines of rows already read: the versions of `page`'s entities, and relations whose `from` is among them.
    static func recordLines(
        of page: [EntityHandle], versions: [DumpedVersion], relations: DumpedRelations, to file: some RecordLineSink, counts: inout DumpCounts,
        refs: inout EntityRefLookup
    ) async throws {
        let byEntity = Dictionary(grouping: versions, by: \.entity)
        for handle in page {
            guard var mine = byEntity[handle.id] else { continue }
            mine.sort { ($0.version.validAt, $0.version.recordedAt, $0.source ?? "", $0.version.property) < ($1.version.validAt, $1.version.recordedAt, $1.source ?? "", $1.version.property) }
            var start = mine.startIndex
            while start < mine.endIndex {
                var end = start + 1
                while end < mine.endIndex, mine[end].version.validAt == mine[start].version.validAt,
                    mine[end].version.recordedAt == mine[start].version.recordedAt, mine[end].source == mine[start].source
                {
                    end += 1
                }
                try file.line { DumpLines.state(handle.ref, mine[start..<end], to: &$0) }
                counts.records += 1
                start = end
            }
            counts.propertyVersions += mine.count
        }
        // One order whichever store answered, so that two exports of the same memory are the same bytes.
        let facts = DumpOrder.sorted(relations.facts)
        let ends = DumpOrder.sorted(relations.ends)
        for fact in facts { try file.line { DumpLines.fact(fact, to: &$0) } }
        counts.facts += relations.facts.count
        for fact in facts { file.named(fact.fact.to) }
        for end in ends {
            let from = try await refs.ref(of: end.end.from)
            let to = try await refs.ref(of: end.end.to)
            file.named(EntityHandle(id: end.end.to, ref: to))
            try file.line { DumpLines.end(end, from: from, to: to, to: &$0) }
        }
        counts.ends += relations.ends.count
        counts.records += relations.facts.count + relations.ends.count
    }

    private func writeDocuments(to path: String, vectors: Bool, counts: inout DumpCounts) async throws {
        let file = try DumpFileWriter(path: path)
        var after: EntityID?
        while true {
            let page = try await store.dumpedDocuments(after: after, limit: documentPageSize, vectors: vectors)
            guard let last = page.last else { break }
            after = last.record.id
            for document in page { try file.line { JSONWriter.write(DumpLines.document(document), to: &$0) } }
            counts.documents += page.count
        }
        try file.close()
    }

    /// Creates the directory, refusing one that holds anything.
    static func prepare(_ directory: String) throws(DumpError) {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        if files.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, (try? files.contentsOfDirectory(atPath: directory))?.isEmpty == true else { throw .notEmpty(directory: directory) }
            return
        }
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(path: directory, reason: error.localizedDescription)
        }
    }

    private func path(_ directory: String, _ file: String) -> String {
        (directory as NSString).appendingPathComponent(file)
    }

    /// Writes `text` exactly (the ontology is imported as it was stored).
    private func write(_ text: String, to path: String) throws(DumpError) {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else { throw .cannotWrite(path: path, reason: "the file cannot be created") }
    }
}

/// The natural keys of entity ids an export meets in `end` records: the current page's, or looked up once.
struct EntityRefLookup {
    let store: any TemporalStore
    private var known: [EntityID: EntityRef] = [:]

    init(store: any TemporalStore) {
        self.store = store
    }

    /// Keeps the page's keys (and forgets older pages', so that memory stays flat).
    mutating func remember(_ page: [EntityHandle]) {
        if known.count > 100_000 { known.removeAll(keepingCapacity: true) }
        for handle in page { known[handle.id] = handle.ref }
    }

    mutating func ref(of id: EntityID) async throws -> EntityRef {
        if let ref = known[id] { return ref }
        guard let handle = try await store.entity(id: id) else {
            throw DumpError.danglingEnd(entity: id)
        }
        known[id] = handle.ref
        return handle.ref
    }
}
