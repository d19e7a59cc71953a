public import ApexCore
public import ApexPorts

/// Row-for-row reads for `apex export` and a move's backfill, each from the store that owns the rows.
extension ComposedStore {
    public func dumpedVersions(of entities: [EntityID]) async throws -> [DumpedVersion] {
        try await records.dumpedVersions(of: entities)
    }

    /// From the graph as readers see it: what an unfinished saga wrote is not exported.
    public func dumpedRelations(from entities: [EntityID]) async throws -> DumpedRelations {
        try await visibleGraph().dumpedRelations(from: entities)
    }

    public func dumpedDocuments(after: EntityID?, limit: Int, vectors: Bool) async throws -> [DumpedDocument] {
        try await records.dumpedDocuments(after: after, limit: limit, vectors: vectors)
    }
}

/// The move's state lives in the record store.
extension ComposedStore {
    public func moveState() async throws -> StoredMoveState? { try await records.moveState() }

    public func saveMoveState(_ state: String, expected: Int64, at: Timestamp) async throws -> Bool {
        try await records.saveMoveState(state, expected: expected, at: at)
    }
}
