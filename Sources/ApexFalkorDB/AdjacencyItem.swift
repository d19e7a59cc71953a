import ApexCore
import ApexPorts

/// One `APEX_FACT` or `APEX_END` edge of an entity as its adjacency summary lists it (docs/graph.md, "Adjacency summaries").
///
/// A traversal level reads one `(:ApexAdjacency)` node per frontier entity
/// instead of expanding every edge: FalkorDB spends about 5 µs per edge it
/// expands and a few per node it finds by an index. The summary is a line per
/// edge, written by ``FalkorDBStore/refreshAdjacency(of:)`` from the edges
/// themselves whenever they change:
///
/// `KIND DIRECTION OTHER VALID_AT INVALID_AT RECORDED_AT SAGA RELATION`
///
/// KIND is `f` (fact) or `e` (end); DIRECTION `o` when the summarised entity is
/// the edge's start, `i` when it is its end; times are integer microseconds,
/// `-` for none (an end has no valid time; an open fact no invalid time); SAGA
/// is the edge's `apex_saga` or `-`. RELATION is the rest of the line, so that
/// no relation name can shift a field.
struct AdjacencyItem: Sendable, Equatable {
    enum Kind: Sendable { case fact, end }

    let kind: Kind
    /// Whether the summarised entity is where the edge starts (`from`).
    let outgoing: Bool
    let other: EntityID
    /// A fact's valid time; nil for an end.
    let validAt: Timestamp?
    let invalidAt: Timestamp?
    let recordedAt: Timestamp
    /// The saga that wrote the edge, or nil.
    let saga: EntityID?
    let relation: String

    /// Parses one line of a summary from its UTF-8 bytes (a String's `split` costs more than the rest of a level); nil when it is not one.
    init?(line: UnsafeBufferPointer<UInt8>) {
        var cursor = 0
        /// The bytes up to the next space (or the end), and past it.
        func field() -> UnsafeBufferPointer<UInt8>? {
            guard cursor < line.count else { return nil }
            let start = cursor
            while cursor < line.count, line[cursor] != UInt8(ascii: " ") { cursor += 1 }
            defer { cursor += 1 }
            return UnsafeBufferPointer(rebasing: line[start..<cursor])
        }
        guard let kind = field(), kind.count == 1, let direction = field(), direction.count == 1, let other = field().flatMap(EntityID.init(utf8:)),
            let validAt = field().flatMap(Self.time), let invalidAt = field().flatMap(Self.time), let recordedAt = field().flatMap(Self.time) ?? nil,
            let saga = field(), cursor < line.count
        else { return nil }
        switch (kind[0], direction[0]) {
        case (UInt8(ascii: "f"), _) where validAt != nil: self.kind = .fact
        case (UInt8(ascii: "e"), _) where validAt == nil && invalidAt != nil: self.kind = .end
        default: return nil
        }
        switch direction[0] {
        case UInt8(ascii: "o"): outgoing = true
        case UInt8(ascii: "i"): outgoing = false
        default: return nil
        }
        if saga.count == 1, saga[0] == UInt8(ascii: "-") {
            self.saga = nil
        } else {
            guard let id = EntityID(utf8: saga) else { return nil }
            self.saga = id
        }
        self.other = other
        self.validAt = validAt
        self.invalidAt = invalidAt
        self.recordedAt = recordedAt
        relation = String(decoding: UnsafeBufferPointer(rebasing: line[cursor...]), as: UTF8.self)
    }

    /// `-` as nil, a decimal integer (maybe negative) as a time; nil (the outer optional) for anything else.
    private static func time(_ field: UnsafeBufferPointer<UInt8>) -> Timestamp?? {
        guard let first = field.first else { return nil }
        if field.count == 1, first == UInt8(ascii: "-") { return .some(nil) }
        let negative = first == UInt8(ascii: "-")
        var value: Int64 = 0
        for byte in field.dropFirst(negative ? 1 : 0) {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAgain) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow, !overflowAgain else { return nil }
            value = sum
        }
        guard field.count > (negative ? 1 : 0) else { return nil }
        return .some(Timestamp(microseconds: negative ? -value : value))
    }

    /// The items of one summary (none when it is empty).
    static func items(of summary: String) throws(FalkorDBStoreError) -> [AdjacencyItem] {
        var summary = summary
        let parsed: [AdjacencyItem]? = summary.withUTF8 { bytes in
            var items: [AdjacencyItem] = []
            items.reserveCapacity(bytes.count / 64)
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                if end > start {
                    guard let item = AdjacencyItem(line: UnsafeBufferPointer(rebasing: bytes[start..<end])) else { return nil }
                    items.append(item)
                }
                start = end + 1
            }
            return items
        }
        guard let parsed else { throw .unexpectedReply(reason: "an ApexAdjacency summary has a line that lists no edge") }
        return parsed
    }

    /// Whether a read under `visibility` sees the edge (what ``FalkorDBStore/visible(_:)`` adds to edge queries: FalkorDB
    /// compares the ids' text, whose order is the ids' own).
    func isVisible(horizon: EntityID?, hidden: Set<EntityID>) -> Bool {
        guard let saga else { return true }
        guard let horizon else { return false }
        return saga <= horizon && !hidden.contains(saga)
    }
}
