public import ApexCore
public import ApexPorts

/// The bytes of an ``EntitySnapshot`` in a cache entry: compact, versioned, and read back with checks, never a crash.
///
/// The ontology text is not stored (it is the same for every entry): the
/// entry carries its hash, and a reader that holds another ontology treats the
/// entry as a miss. A damaged entry is a ``SnapshotCodec/Damaged`` error, which
/// the cache layer counts and treats as a miss.
public enum SnapshotCodec {
    /// Bumped whenever the layout changes: entries of another layout are misses.
    static let layout: UInt8 = 1

    /// Why cached bytes could not be read back.
    public struct Damaged: Error, CustomStringConvertible {
        public var description: String { "a cached snapshot is damaged or of another layout" }
    }

    /// What a cache entry holds besides the snapshot: which ontology, and from which `known_at` on it holds.
    public struct Header: Sendable, Equatable {
        public var ontologyHash: UInt64
        /// The snapshot holds every row recorded by this time and none after; with `seesEveryRow` it holds for any later `known_at`.
        public var knownAt: Timestamp
        public var seesEveryRow: Bool

        public init(ontologyHash: UInt64, knownAt: Timestamp, seesEveryRow: Bool) {
            self.ontologyHash = ontologyHash
            self.knownAt = knownAt
            self.seesEveryRow = seesEveryRow
        }
    }

    public static func encode(_ snapshot: EntitySnapshot, header: Header) -> [UInt8] {
        var out = ByteWriter()
        out.byte(layout)
        out.uint64(header.ontologyHash)
        out.int64(header.knownAt.microseconds)
        out.byte(header.seesEveryRow ? 1 : 0)
        if let entity = snapshot.entity {
            out.byte(1)
            out.handle(entity)
        } else {
            out.byte(0)
        }
        out.count(snapshot.versions.count)
        for version in snapshot.versions {
            out.string(version.property)
            out.int64(version.validAt.microseconds)
            out.int64(version.recordedAt.microseconds)
            out.optionalString(version.value)
        }
        out.count(snapshot.facts.count)
        for fact in snapshot.facts {
            out.string(fact.relation)
            out.handle(fact.from)
            out.handle(fact.to)
            out.int64(fact.validAt.microseconds)
            out.optionalTime(fact.invalidAt)
            out.int64(fact.recordedAt.microseconds)
            out.optionalString(fact.fact)
            if let later = fact.later {
                out.byte(1)
                out.optionalTime(later.fromSource)
                out.optionalTime(later.toTarget)
            } else {
                out.byte(0)
            }
        }
        out.count(snapshot.ends.count)
        for end in snapshot.ends {
            out.string(end.relation)
            out.id(end.from)
            out.id(end.to)
            out.int64(end.invalidAt.microseconds)
            out.int64(end.recordedAt.microseconds)
        }
        return out.bytes
    }

    public static func decode(_ bytes: [UInt8], ontologySource: String?) throws(Damaged) -> (Header, EntitySnapshot) {
        var input = ByteReader(bytes)
        guard try input.byte() == layout else { throw Damaged() }
        let header = Header(ontologyHash: try input.uint64(), knownAt: Timestamp(microseconds: try input.int64()), seesEveryRow: try input.byte() == 1)
        let entity = try input.byte() == 1 ? try input.handle() : nil
        var versions: [PropertyVersion] = []
        for _ in 0..<(try input.count()) {
            versions.append(
                PropertyVersion(
                    property: try input.string(), validAt: Timestamp(microseconds: try input.int64()),
                    recordedAt: Timestamp(microseconds: try input.int64()), value: try input.optionalString()))
        }
        var facts: [FactVersion] = []
        for _ in 0..<(try input.count()) {
            let relation = try input.string()
            let from = try input.handle()
            let to = try input.handle()
            let validAt = Timestamp(microseconds: try input.int64())
            let invalidAt = try input.optionalTime()
            let recordedAt = Timestamp(microseconds: try input.int64())
            let text = try input.optionalString()
            let later = try input.byte() == 1 ? LaterFacts(fromSource: try input.optionalTime(), toTarget: try input.optionalTime()) : nil
            facts.append(
                FactVersion(relation: relation, from: from, to: to, validAt: validAt, invalidAt: invalidAt, recordedAt: recordedAt, fact: text, later: later))
        }
        var ends: [FactEnd] = []
        for _ in 0..<(try input.count()) {
            ends.append(
                FactEnd(
                    relation: try input.string(), from: try input.id(), to: try input.id(), invalidAt: Timestamp(microseconds: try input.int64()),
                    recordedAt: Timestamp(microseconds: try input.int64())))
        }
        guard input.isAtEnd else { throw Damaged() }
        let snapshot = EntitySnapshot(
            ontologySource: ontologySource, entity: entity, versions: versions, facts: facts, ends: ends, seesEveryRow: header.seesEveryRow)
        return (header, snapshot)
    }

    /// FNV-1a over the ontology text: tells one ontology from another in an entry.
    public static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}

/// Appends little-endian integers and length-prefixed strings.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func uint64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int64(_ value: Int64) { uint64(UInt64(bitPattern: value)) }

    mutating func count(_ value: Int) { uint64(UInt64(value)) }

    mutating func string(_ value: String) {
        count(value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }

    mutating func optionalString(_ value: String?) {
        guard let value else { return byte(0) }
        byte(1)
        string(value)
    }

    mutating func optionalTime(_ value: Timestamp?) {
        guard let value else { return byte(0) }
        byte(1)
        int64(value.microseconds)
    }

    mutating func id(_ value: EntityID) {
        uint64(value.high)
        uint64(value.low)
    }

    mutating func handle(_ value: EntityHandle) {
        id(value.id)
        string(value.ref.type)
        string(value.ref.key)
    }
}

/// Reads what ``ByteWriter`` wrote; any shortfall or bad length is ``SnapshotCodec/Damaged``.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte() throws(SnapshotCodec.Damaged) -> UInt8 {
        guard offset < bytes.count else { throw SnapshotCodec.Damaged() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint64() throws(SnapshotCodec.Damaged) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw SnapshotCodec.Damaged() }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return value
    }

    mutating func int64() throws(SnapshotCodec.Damaged) -> Int64 { Int64(bitPattern: try uint64()) }

    mutating func count() throws(SnapshotCodec.Damaged) -> Int {
        let value = try uint64()
        // No list or string is longer than what is left to read.
        guard value <= UInt64(bytes.count - offset) else { throw SnapshotCodec.Damaged() }
        return Int(value)
    }

    mutating func string() throws(SnapshotCodec.Damaged) -> String {
        let length = try count()
        guard let text = String(validating: bytes[offset..<(offset + length)], as: UTF8.self) else { throw SnapshotCodec.Damaged() }
        offset += length
        return text
    }

    mutating func optionalString() throws(SnapshotCodec.Damaged) -> String? {
        try byte() == 1 ? try string() : nil
    }

    mutating func optionalTime() throws(SnapshotCodec.Damaged) -> Timestamp? {
        try byte() == 1 ? Timestamp(microseconds: try int64()) : nil
    }

    mutating func id() throws(SnapshotCodec.Damaged) -> EntityID { EntityID(high: try uint64(), low: try uint64()) }

    mutating func handle() throws(SnapshotCodec.Damaged) -> EntityHandle {
        EntityHandle(id: try id(), ref: EntityRef(type: try string(), key: try string()))
    }
}

/// The bytes of a cached search answer: its results in order.
enum SearchResultCodec {
    static let layout: UInt8 = 1

    static func encode(_ results: [SearchResult]) -> [UInt8] {
        var out = ByteWriter()
        out.byte(layout)
        out.count(results.count)
        for result in results {
            out.int64(result.chunk.rowID)
            out.id(result.chunk.documentID)
            out.count(result.chunk.start)
            out.count(result.chunk.end)
            out.string(result.chunk.text)
            out.uint64(result.chunk.score.bitPattern)
            out.uint64(result.score.bitPattern)
            out.int64(Int64(result.vectorRank ?? -1))
            out.int64(Int64(result.textRank ?? -1))
        }
        return out.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(SnapshotCodec.Damaged) -> [SearchResult] {
        var input = ByteReader(bytes)
        guard try input.byte() == layout else { throw SnapshotCodec.Damaged() }
        var results: [SearchResult] = []
        for _ in 0..<(try input.count()) {
            let rowID = try input.int64()
            let documentID = try input.id()
            guard let start = Int(exactly: try input.uint64()), let end = Int(exactly: try input.uint64()) else { throw SnapshotCodec.Damaged() }
            let chunk = ChunkHit(
                rowID: rowID, documentID: documentID, start: start, end: end, text: try input.string(), score: Double(bitPattern: try input.uint64()))
            let score = Double(bitPattern: try input.uint64())
            let vectorRank = try input.int64()
            let textRank = try input.int64()
            results.append(
                SearchResult(chunk: chunk, score: score, vectorRank: vectorRank < 0 ? nil : Int(vectorRank), textRank: textRank < 0 ? nil : Int(textRank)))
        }
        guard input.isAtEnd else { throw SnapshotCodec.Damaged() }
        return results
    }
}
