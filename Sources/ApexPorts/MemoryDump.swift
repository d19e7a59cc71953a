public import ApexCore

/// A property version as stored, with its entity and the provenance text of the record that wrote it.
///
/// Queries never need the `source` of a record, so the query reads leave it
/// out; an export must keep it (docs/moving.md).
public struct DumpedVersion: Sendable, Equatable {
    public var entity: EntityID
    public var version: PropertyVersion
    public var source: String?

    public init(entity: EntityID, version: PropertyVersion, source: String?) {
        self.entity = entity
        self.version = version
        self.source = source
    }
}

/// A fact version as stored, with its record's `source`.
public struct DumpedFact: Sendable, Equatable {
    public var fact: FactVersion
    public var source: String?

    public init(fact: FactVersion, source: String?) {
        self.fact = fact
        self.source = source
    }
}

/// An `end` record as stored, with its `source`.
public struct DumpedEnd: Sendable, Equatable {
    public var end: FactEnd
    public var source: String?

    public init(end: FactEnd, source: String?) {
        self.end = end
        self.source = source
    }
}

/// The facts and ends whose `from` entity is among those asked for: paging through the entities yields each row once.
public struct DumpedRelations: Sendable, Equatable {
    public var facts: [DumpedFact]
    public var ends: [DumpedEnd]

    public init(facts: [DumpedFact], ends: [DumpedEnd]) {
        self.facts = facts
        self.ends = ends
    }
}

/// A stored document with what an export keeps of it: the entities it mentions and, when asked, its chunks' vectors.
public struct DumpedDocument: Sendable, Equatable {
    public var record: DocumentRecord
    public var mentions: [EntityID]
    /// The chunks in order, with their vectors; empty unless vectors were asked for.
    public var chunks: [DumpedChunk]

    public init(record: DocumentRecord, mentions: [EntityID], chunks: [DumpedChunk]) {
        self.record = record
        self.mentions = mentions
        self.chunks = chunks
    }
}

/// Where a chunk lies in its document (offsets in characters) and its stored vector.
public struct DumpedChunk: Sendable, Equatable {
    public var start: Int
    public var end: Int
    public var embedding: [Float]

    public init(start: Int, end: Int, embedding: [Float]) {
        self.start = start
        self.end = end
        self.embedding = embedding
    }
}

/// Reads property history row for row, whatever its recorded time, for `apex export` and a move's backfill.
public protocol VersionDumpReader: Sendable {
    /// Every stored property version of `entities`, with its source.
    func dumpedVersions(of entities: [EntityID]) async throws -> [DumpedVersion]
}

/// Reads facts and ends row for row, whatever their recorded time, for `apex export` and a move's backfill.
public protocol RelationDumpReader: Sendable {
    /// Every stored fact and end whose `from` entity is one of `entities`, with its source.
    func dumpedRelations(from entities: [EntityID]) async throws -> DumpedRelations
}

/// Reads documents page by page, for `apex export` and a move's backfill.
public protocol DocumentDumpReader: Sendable {
    /// Up to `limit` documents with ids greater than `after` (from the first when nil), in id order, with their mentions
    /// and, when `vectors` is true, their chunks' vectors.
    func dumpedDocuments(after: EntityID?, limit: Int, vectors: Bool) async throws -> [DumpedDocument]
}
