import ApexCore
import ApexPorts

/// The second side of a write during a move: the rows the first side stored for the entities the write named, that
/// the second side lacks, written there as records with their recorded times, sources and ids.
///
/// Sending the second side the write itself would not do: a store skips a
/// version equal to the latest it holds, and the second side may hold less of
/// an entity's history (before the backfill reaches it) or get concurrent
/// writes in another order, so it would store rows the first side skipped,
/// and the two would differ for good. Copying what the first side stored, as
/// the backfill does, keeps them the same whatever the order. It reads the
/// named entities' rows on both sides: the cost of a write grows with the
/// history of the entities it names.
struct MirrorWrite {
    let truth: any TemporalStore
    let mirror: any TemporalStore

    /// Brings the mirror's rows of the entities `request` named (and the relations they are the `from` of) up to the truth's.
    func apply(after request: IngestRequest) async throws {
        let memory = MemoryService(store: mirror)
        if let ontology = request.ontology, try await mirror.ontologySource() != ontology.source {
            try await memory.setOntology(source: ontology.source)
        }
        let named = request.identities.handles.sorted { $0.id < $1.id }
        guard !named.isEmpty else { return }
        var refs = EntityRefLookup(store: truth)
        for start in stride(from: 0, to: named.count, by: 500) {
            let page = Array(named[start..<min(start + 500, named.count)])
            let ids = page.map(\.id)
            async let mineVersions = truth.dumpedVersions(of: ids)
            async let mineRelations = truth.dumpedRelations(from: ids)
            async let theirVersions = mirror.dumpedVersions(of: ids)
            async let theirRelations = mirror.dumpedRelations(from: ids)
            let (versions, relations, otherVersions, otherRelations) = try await (mineVersions, mineRelations, theirVersions, theirRelations)
            let haveVersions = Set(otherVersions.map(VersionKey.init))
            let missingVersions = versions.filter { !haveVersions.contains(VersionKey($0)) }
            let haveFacts = Set(otherRelations.facts.map(FactKey.init))
            let haveEnds = Set(otherRelations.ends.map(EndKey.init))
            let missing = DumpedRelations(
                facts: relations.facts.filter { !haveFacts.contains(FactKey($0)) }, ends: relations.ends.filter { !haveEnds.contains(EndKey($0)) })
            guard !missingVersions.isEmpty || !missing.facts.isEmpty || !missing.ends.isEmpty else { continue }
            let lines = RecordLineBuffer()
            var counts = DumpCounts()
            refs.remember(page)
            try await MemoryExporter.recordLines(of: page, versions: missingVersions, relations: missing, to: lines, counts: &counts, refs: &refs)
            for handle in page { lines.named(handle) }
            try await RowCopy(target: memory).write(lines)
        }
    }

    /// What makes a property version one row: its entity, property and both times (the value and source are what it holds).
    struct VersionKey: Hashable {
        let entity: EntityID
        let property: String
        let validAt: Timestamp
        let recordedAt: Timestamp
        let value: String?

        init(_ row: DumpedVersion) {
            (entity, property, validAt, recordedAt, value) = (row.entity, row.version.property, row.version.validAt, row.version.recordedAt, row.version.value)
        }
    }

    struct FactKey: Hashable {
        let relation: String
        let from: EntityID
        let to: EntityID
        let validAt: Timestamp
        let recordedAt: Timestamp
        let invalidAt: Timestamp?
        let text: String?

        init(_ row: DumpedFact) {
            let fact = row.fact
            (relation, from, to, validAt, recordedAt, invalidAt, text) = (fact.relation, fact.from.id, fact.to.id, fact.validAt, fact.recordedAt, fact.invalidAt, fact.fact)
        }
    }

    struct EndKey: Hashable {
        let relation: String
        let from: EntityID
        let to: EntityID
        let invalidAt: Timestamp
        let recordedAt: Timestamp

        init(_ row: DumpedEnd) {
            (relation, from, to, invalidAt, recordedAt) = (row.end.relation, row.end.from, row.end.to, row.end.invalidAt, row.end.recordedAt)
        }
    }
}
