public import ApexCore
public import ApexPorts

/// `apex move verify`: reconciles the target with the source, row for row, and compares sampled answers.
///
/// Entities are compared a page at a time in id order: their ids and keys,
/// every property version, fact and end (with recorded times and sources),
/// then the documents; a page that differs is read again after a pause, since
/// a write under way reaches the two sides one after the other. Then `samples`
/// entities spread over the id space are asked for their state as known now and
/// at earlier times on both sides, and the answers compared.
public struct MoveVerifier: Sendable {
    public let source: any TemporalStore
    public let target: any TemporalStore
    public var pageSize = 500
    public var samples = 200

    public init(source: any TemporalStore, target: any TemporalStore) {
        self.source = source
        self.target = target
    }

    /// What a verify found.
    public struct Report: Sendable, Equatable {
        public var entities = 0
        public var propertyVersions = 0
        public var facts = 0
        public var ends = 0
        public var documents = 0
        public var sampledAnswers = 0
        /// One line per difference found (the first 20).
        public var differences: [String] = []
        public var differenceCount = 0

        public var agrees: Bool { differenceCount == 0 }

        public var json: JSONValue {
            .object([
                ("agrees", .bool(agrees)), ("entities", .integer(Int64(entities))), ("property_versions", .integer(Int64(propertyVersions))),
                ("facts", .integer(Int64(facts))), ("ends", .integer(Int64(ends))), ("documents", .integer(Int64(documents))),
                ("sampled_answers", .integer(Int64(sampledAnswers))), ("differences", .integer(Int64(differenceCount))),
                ("first_differences", .array(differences.map(JSONValue.string))),
            ])
        }

        mutating func differ(_ line: String) {
            differenceCount += 1
            if differences.count < 20 { differences.append(line) }
        }
    }

    public func run(progress: @Sendable (Report) -> Void = { _ in }) async throws -> Report {
        var report = Report()
        // Entities first written in the last seconds may have a write under way (on one side only, for a moment): they
        // are left to the next verify. A write that failed on one side is counted by the move itself (mirror failures).
        let horizon = EntityID(high: UInt64(max(0, Timestamp.wallClock.microseconds / 1_000 - Self.settleMilliseconds)) << 16, low: 0)
        var after: EntityID?
        var sampler = EntitySampler(size: samples)
        while true {
            var page: [EntityHandle] = []
            var rows = PageRows()
            let difference = try await Self.settled {
                page = try await source.entities(after: after, limit: pageSize).filter { $0.id < horizon }
                let theirs = try await target.entities(after: after, limit: pageSize).filter { $0.id < horizon }
                let compared = try await compare(page, theirs)
                rows = compared.rows
                return compared.difference
            }
            if let difference { report.differ(difference) }
            guard let last = page.last else { break }
            report.entities += page.count
            report.propertyVersions += rows.versions
            report.facts += rows.facts
            report.ends += rows.ends
            sampler.offer(page)
            after = last.id
            progress(report)
        }
        try await compareDocuments(&report)
        try await compareAnswers(sampler.sample, &report)
        return report
    }

    /// How long before a verify an entity must have been first written for the verify to check it.
    static let settleMilliseconds: Int64 = 3_000

    /// Runs `check` until it finds no difference, at most five times a tenth of a second apart: a write under way
    /// reaches the two sides one after the other, so only a difference that stays is one.
    static func settled(_ check: () async throws -> String?) async throws -> String? {
        var difference = try await check()
        var attempt = 0
        while difference != nil, attempt < 5 {
            attempt += 1
            try await Task.sleep(for: .milliseconds(100))
            difference = try await check()
        }
        return difference
    }

    /// How many rows of each kind the source holds for a page of entities.
    struct PageRows {
        var versions = 0
        var facts = 0
        var ends = 0
    }

    /// A page's first difference (nil: none), and the source's rows of the page, read once for both.
    private func compare(_ page: [EntityHandle], _ theirs: [EntityHandle]) async throws -> (difference: String?, rows: PageRows) {
        guard !page.isEmpty else {
            return (theirs.first.map { "the target holds \($0.ref) (\($0.id)), which the source does not" }, PageRows())
        }
        let ids = page.map(\.id)
        async let mineVersions = source.dumpedVersions(of: ids)
        async let theirVersions = target.dumpedVersions(of: ids)
        async let mineRelations = source.dumpedRelations(from: ids)
        async let theirRelations = target.dumpedRelations(from: ids)
        let (a, b, c, d) = try await (mineVersions, theirVersions, mineRelations, theirRelations)
        let rows = PageRows(versions: a.count, facts: c.facts.count, ends: c.ends.count)
        let mineByID = Dictionary(page.map { ($0.id, $0.ref) }, uniquingKeysWith: { first, _ in first })
        let theirsInRange = theirs.filter { $0.id <= (page.last?.id ?? $0.id) }
        for handle in theirsInRange where mineByID[handle.id] == nil {
            return ("the target holds \(handle.ref) (\(handle.id)), which the source does not", rows)
        }
        let theirsByID = Dictionary(theirsInRange.map { ($0.id, $0.ref) }, uniquingKeysWith: { first, _ in first })
        for handle in page where theirsByID[handle.id] != handle.ref {
            return ("\(handle.ref) (\(handle.id)) is missing from the target", rows)
        }
        let range = "\(page.first?.ref.description ?? "") … \(page.last?.ref.description ?? "")"
        if DumpOrder.sorted(a) != DumpOrder.sorted(b) {
            return ("property versions differ among \(range): \(a.count) on the source, \(b.count) on the target", rows)
        }
        if DumpOrder.sorted(c.facts) != DumpOrder.sorted(d.facts) || DumpOrder.sorted(c.ends) != DumpOrder.sorted(d.ends) {
            return (
                "facts or ends differ among \(range): \(c.facts.count)/\(c.ends.count) on the source, \(d.facts.count)/\(d.ends.count) on the target",
                rows
            )
        }
        return (nil, rows)
    }

    private func compareDocuments(_ report: inout Report) async throws {
        var after: EntityID?
        while true {
            let mine = try await source.dumpedDocuments(after: after, limit: 100, vectors: false)
            let theirs = try await target.dumpedDocuments(after: after, limit: 100, vectors: false)
            guard let last = mine.last else {
                if let extra = theirs.first { report.differ("the target holds document \(extra.record.id), which the source does not") }
                return
            }
            let theirsByID = Dictionary(theirs.map { ($0.record.id, $0) }, uniquingKeysWith: { first, _ in first })
            for document in mine {
                guard let other = theirsByID[document.record.id] else {
                    report.differ("document \(document.record.id) (\(document.record.title)) is missing from the target")
                    continue
                }
                if other.record.content != document.record.content || other.record.recordedAt != document.record.recordedAt
                    || other.record.metadata.keySorted != document.record.metadata.keySorted || Set(other.mentions) != Set(document.mentions)
                {
                    report.differ("document \(document.record.id) (\(document.record.title)) differs on the target")
                }
            }
            report.documents += mine.count
            after = last.record.id
        }
    }

    /// Each sampled entity's state as known now, and as known halfway through its recorded history, on both sides.
    private func compareAnswers(_ sampled: [EntityHandle], _ report: inout Report) async throws {
        let now = Timestamp.wallClock
        for handle in sampled {
            let versions = try await source.propertyVersions(of: handle.id, property: nil, knownAt: .distantFuture)
            var times = [now]
            if let first = versions.map(\.recordedAt).min(), let last = versions.map(\.recordedAt).max() {
                times.append(Timestamp(microseconds: first.microseconds + (last.microseconds - first.microseconds) / 2))
            }
            for knownAt in times {
                let difference = try await Self.settled {
                    async let expected = source.snapshot(of: handle.ref, property: nil, includeFacts: true, knownAt: knownAt)
                    async let answered = target.snapshot(of: handle.ref, property: nil, includeFacts: true, knownAt: knownAt)
                    let (mine, theirs) = try await (expected, answered)
                    return SnapshotComparison.same(mine, theirs) ? nil : SnapshotComparison.difference(mine, theirs)
                }
                if let difference { report.differ("\(handle.ref) as known at \(knownAt.rfc3339): \(difference)") }
                report.sampledAnswers += 1
            }
        }
    }
}

/// A uniform sample of a stream of entities (reservoir sampling with a fixed seed, so that two verifies of the same
/// memory ask about the same entities).
struct EntitySampler {
    let size: Int
    private(set) var sample: [EntityHandle] = []
    private var seen = 0
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15

    init(size: Int) { self.size = max(0, size) }

    mutating func offer(_ page: [EntityHandle]) {
        for handle in page {
            seen += 1
            if sample.count < size {
                sample.append(handle)
                continue
            }
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let slot = Int((state >> 33) % UInt64(seen))
            if slot < size { sample[slot] = handle }
        }
    }
}

extension JSONValue {
    /// The value with every object's members in key order: PostgreSQL's `jsonb` keeps its own order, not the writer's.
    var keySorted: JSONValue {
        switch self {
        case .object(let members): .object(members.map { ($0.0, $0.1.keySorted) }.sorted { $0.0 < $1.0 })
        case .array(let values): .array(values.map(\.keySorted))
        default: self
        }
    }
}
