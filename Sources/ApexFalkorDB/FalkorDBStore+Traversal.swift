public import ApexCore
public import ApexPorts

extension FalkorDBStore {
    /// One level of a traversal from the frontier's adjacency summaries (``AdjacencyItem``), not its edges: the facts
    /// (without their text) with the later facts that may supersede them, and the ends.
    ///
    /// One query reads the frontier's summaries, which list every fact and end
    /// of each entity; a second reads those of the other entities on the
    /// bounded side of a fact valid by `validBy` of a relation in `laterOf`
    /// (the later facts that may supersede it there), when there are any. Each
    /// such fact then carries its ``LaterFacts``, and the engine asks nothing
    /// more. What is returned is what the edge queries returned: with `validBy`,
    /// the facts valid after it are left out except those of the relations in
    /// `laterOf`, and so are the ends that close an instance beginning after it.
    public func relations(touchingAny entities: [EntityID], knownAt: Timestamp, validBy: Timestamp?, laterOf: [String: Cardinality]) async throws
        -> TouchingRelations
    {
        guard !entities.isEmpty else { return TouchingRelations(facts: [], ends: []) }
        let frontier = Set(entities)
        let summaries = try await adjacency(of: Array(frontier), knownAt: knownAt)
        var level = LevelFromSummaries(frontier: frontier, validBy: validBy, laterOf: laterOf)
        for (entity, items) in summaries { level.add(entity, items) }
        let others = level.others
        if !others.isEmpty {
            for (entity, items) in try await adjacency(of: others.sorted(), knownAt: knownAt) { level.indexLaterFacts(entity, items) }
        }
        level.index.sort()
        let held = frontier.union(others)
        let endRefs = try await refs(of: level.rows.flatMap { [$0.from, $0.to] })
        let facts = try level.rows.map { row in
            guard let cardinality = laterOf[row.relation],
                // Only when every bounded side is held in full (its facts valid later need none); otherwise the engine asks.
                !cardinality.supersedesBySource || held.contains(row.from),
                !cardinality.supersedesByTarget || held.contains(row.to)
            else { return try row.resolved(endRefs) }
            return try row.resolved(
                endRefs,
                later: LaterFacts(
                    fromSource: cardinality.supersedesBySource
                        ? level.index.earliest(relation: row.relation, side: .from, entity: row.from, after: row.validAt) : nil,
                    toTarget: cardinality.supersedesByTarget
                        ? level.index.earliest(relation: row.relation, side: .to, entity: row.to, after: row.validAt) : nil))
        }
        return TouchingRelations(facts: facts, ends: level.ends)
    }
}

/// The facts, ends and later-fact index of one traversal level, gathered from adjacency summaries.
struct LevelFromSummaries {
    let frontier: Set<EntityID>
    let validBy: Timestamp?
    let laterOf: [String: Cardinality]
    private(set) var rows: [FactByIDs] = []
    private(set) var ends: [FactEnd] = []
    /// The valid times of the facts of bounded relations, per side, of every entity whose summary was read.
    var index = LaterFactIndex()
    /// The entities outside the frontier on the bounded side of a fact valid by `validBy`: their summaries complete the index.
    private(set) var others = Set<EntityID>()

    init(frontier: Set<EntityID>, validBy: Timestamp?, laterOf: [String: Cardinality]) {
        self.frontier = frontier
        self.validBy = validBy
        self.laterOf = laterOf
    }

    /// Adds a frontier entity's summary: its facts and ends (an edge between two frontier entities once, from its start's).
    mutating func add(_ entity: EntityID, _ items: [AdjacencyItem]) {
        indexLaterFacts(entity, items)
        for item in items where item.outgoing || !frontier.contains(item.other) {
            let (from, to) = item.outgoing ? (entity, item.other) : (item.other, entity)
            switch item.kind {
            case .fact:
                guard let validAt = item.validAt else { continue }
                let validByTime = validBy.map { validAt <= $0 } ?? true
                let cardinality = laterOf[item.relation]
                guard validByTime || cardinality != nil else { continue }
                if let cardinality, validByTime {
                    if cardinality.supersedesBySource, !frontier.contains(from) { others.insert(from) }
                    if cardinality.supersedesByTarget, !frontier.contains(to) { others.insert(to) }
                }
                rows.append(
                    FactByIDs(
                        relation: item.relation, from: from, to: to, validAt: validAt, invalidAt: item.invalidAt, recordedAt: item.recordedAt,
                        fact: nil))
            case .end:
                guard let invalidAt = item.invalidAt, !closesLaterInstance(item, invalidAt: invalidAt, among: items) else { continue }
                ends.append(FactEnd(relation: item.relation, from: from, to: to, invalidAt: invalidAt, recordedAt: item.recordedAt))
            }
        }
    }

    /// Notes the valid times of the facts of bounded relations in an entity's summary, on its side of each.
    mutating func indexLaterFacts(_ entity: EntityID, _ items: [AdjacencyItem]) {
        for item in items where item.kind == .fact {
            guard let validAt = item.validAt, laterOf[item.relation] != nil else { continue }
            index.add(relation: item.relation, side: item.outgoing ? .from : .to, entity: entity, validAt: validAt)
        }
    }

    /// Whether an end closes an instance that begins after `validBy`: a fact of its pair and relation valid after
    /// `validBy` and before the end, whose own facts a level with `validBy` leaves out (the entity's summary holds them).
    private func closesLaterInstance(_ end: AdjacencyItem, invalidAt: Timestamp, among items: [AdjacencyItem]) -> Bool {
        guard let validBy else { return false }
        return items.contains { item in
            guard item.kind == .fact, item.outgoing == end.outgoing, item.other == end.other, item.relation == end.relation,
                let validAt = item.validAt
            else { return false }
            return validAt > validBy && validAt < invalidAt
        }
    }
}
