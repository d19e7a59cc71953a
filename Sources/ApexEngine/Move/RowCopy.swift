import ApexCore
import ApexPorts

/// Writes record lines copied from another store into `target` through its ingest path, under the ids the lines'
/// store gave their entities: how the backfill and a move's second writes keep ids, recorded times and sources.
struct RowCopy {
    let target: MemoryService

    /// Writes the lines all or nothing; `ontology` is the one they were checked against (default: the target's).
    func write(_ lines: RecordLineBuffer, ontology: Ontology? = nil) async throws {
        var inForce = ontology
        if inForce == nil { inForce = try await target.resolveOntology(source: nil).0 }
        guard let ontology = inForce else { return }
        let bytes = lines.bytes
        let ids = lines.named
        let store = target.store
        let ingestionTime = target.now
        _ = try await target.write(
            ontology: ontology, toStore: nil, ingestionTime: ingestionTime,
            identify: { named, all in
                let known = try await store.entityIDs(for: all)
                var new: [EntityHandle] = []
                for ref in named where known[ref] == nil {
                    guard let id = ids[ref] else { throw MoveError.unknownEntity(ref: ref) }
                    new.append(EntityHandle(id: id, ref: ref))
                }
                for (ref, id) in known where ids[ref].map({ $0 != id }) ?? false {
                    throw MoveError.idClash(ref: ref)
                }
                return EntityIdentities(known: known, new: new)
            },
            makeSource: { _ in JSONLinesSource(reader: ByteLineReader(bytes: bytes), ontology: ontology, ingestionTime: ingestionTime, progress: nil) })
    }
}
