public import ApexCore
public import ApexPorts

extension MemoryService {
    /// Entities whose key or a string property matches `query` (case-insensitive substring) at `referenceTime`, with their state then.
    ///
    /// The seed's at-time search (seed 002 section 4.2). Only entities that existed at
    /// `referenceTime` are returned, and a match must hold in the state at that time.
    public func search(_ query: String, at referenceTime: Timestamp? = nil, limit: Int = 10) async throws -> [StateAnswer] {
        let at = referenceTime ?? now
        let needle = query.lowercased()
        var answers: [StateAnswer] = []
        for handle in try await store.entities(containing: query, limit: max(limit * 20, 200)) {
            let answer: StateAnswer
            do {
                answer = try await state(of: handle.ref, at: at)
            } catch let error as QueryError where error.isNotFound {
                continue  // not yet existing at that time (or gone from the store since the match): not an answer
            }
            let matches = handle.ref.key.lowercased().contains(needle) || answer.properties.contains { _, value in
                guard case .string(let text)? = try? JSONParser.parse(value) else { return false }
                return text.lowercased().contains(needle)
            }
            if matches { answers.append(answer) }
            if answers.count == limit { break }
        }
        return answers.sorted { $0.entity.ref < $1.entity.ref }
    }

    /// The entities a name refers to: by key first, then by a `name` property.
    public func entities(named name: String) async throws -> [EntityHandle] {
        try await store.entities(named: name).sorted { lhs, rhs in
            (lhs.ref.key == name ? 0 : 1, lhs.ref) < (rhs.ref.key == name ? 0 : 1, rhs.ref)
        }
    }

    /// Entities ranked by property versions valid in `[from, to)`.
    public func mostChanged(from: Timestamp, to: Timestamp, limit: Int) async throws -> [ChangeCount] {
        try await store.mostChanged(from: from, to: to, limit: limit)
    }

    /// Relation churn per type in `[from, to)`: begun, ended explicitly, and superseded under the type's cardinality.
    public func relationshipChurn(from: Timestamp, to: Timestamp) async throws -> [ChurnFigures] {
        let ontology = try await storedOntology()?.ontology
        return try await store.relationChurn(from: from, to: to).map { raw in
            let cardinality = ontology?.relationType(raw.relation)?.cardinality ?? .manyToMany
            var superseded = 0
            if cardinality.supersedesBySource { superseded = raw.followedFromSource }
            if cardinality.supersedesByTarget { superseded = max(superseded, raw.followedToTarget) }
            return ChurnFigures(relation: raw.relation, cardinality: cardinality, started: raw.started, ended: raw.endedExplicitly, superseded: superseded)
        }
    }

    /// The health of every configured store.
    public func health() async -> [StoreHealth] {
        var stores = await store.healthOfEachStore()
        if let cache { stores.append(await cache.health()) }
        return stores
    }
}

/// Churn of one relation type over a period, as the analytics endpoint reports it.
public struct ChurnFigures: Sendable, Equatable {
    public var relation: String
    public var cardinality: Cardinality
    public var started: Int
    public var ended: Int
    /// An upper bound: a later fact on a bounded side may follow an instance that had already ended.
    public var superseded: Int
}
