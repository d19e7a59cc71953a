import ApexCore
import ApexPorts

extension FalkorDBStore {
    /// The types and keys of `ids`: from ``EntityRefCache``, the rest read from their nodes in one query (and remembered).
    ///
    /// Fact rows carry the ends' uuids only: projecting each end's type and
    /// key took FalkorDB a quarter of a traversal level's own time, and apex
    /// as long again to read them, for values that never change.
    func refs(of ids: some Sequence<EntityID>) async throws -> [EntityID: EntityRef] {
        var (known, missing) = entityRefs.lookUp(ids)
        guard !missing.isEmpty else { return known }
        var found: [EntityID: EntityRef] = [:]
        for batch in missing.chunked(Self.batchSize) {
            let result = try await query(
                CypherQuery(
                    "UNWIND $ids AS id MATCH (n:Entity {uuid: id}) RETURN n.uuid, n.apex_type, n.apex_key",
                    [("ids", .list(batch.map { .string($0.description) }))]),
                readOnly: true, scalars: true)
            for row in result.rows {
                guard row.count == 3 else { throw FalkorDBStoreError.unexpectedReply(reason: "an Entity node lacks its uuid, apex_type or apex_key") }
                let handle = try Self.handle(row[0], row[1], row[2])
                found[handle.id] = handle.ref
            }
        }
        entityRefs.remember(found)
        known.merge(found) { kept, _ in kept }
        return known
    }
}

extension FactByIDs {
    /// The fact version with the ends' types and keys from `refs`, or an error when an end has no `Entity` node.
    func resolved(_ refs: [EntityID: EntityRef], later: LaterFacts? = nil) throws -> FactVersion {
        guard let version = version(refs, later: later) else {
            throw FalkorDBStoreError.unexpectedReply(reason: "an APEX_FACT edge ends at an entity without an Entity node")
        }
        return version
    }
}
