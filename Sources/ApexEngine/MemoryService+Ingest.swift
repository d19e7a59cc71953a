import ApexCore
public import ApexPorts
import Foundation

extension MemoryService {
    /// The shape of an ingest body.
    public enum BodyFormat: Sendable {
        /// One JSON record per line.
        case jsonLines
        /// One JSON array of records.
        case jsonArray
    }

    /// Ingests a request body, all or nothing; `line` in errors is the line (or array element) number.
    public func ingest(body: [UInt8], format: BodyFormat) async throws -> IngestSummary {
        let (ontology, _) = try await resolveOntology(source: nil)
        let ingestionTime = now
        switch format {
        case .jsonLines:
            return try await write(ontology: ontology, toStore: nil, ingestionTime: ingestionTime) { _ in
                JSONLinesSource(reader: ByteLineReader(bytes: body), ontology: ontology, ingestionTime: ingestionTime, progress: nil)
            }
        case .jsonArray:
            let elements = try JSONArraySource.elements(of: body)
            return try await write(ontology: ontology, toStore: nil, ingestionTime: ingestionTime) { _ in
                JSONArraySource(elements: elements, ontology: ontology, ingestionTime: ingestionTime)
            }
        }
    }

    /// Writes records all or nothing: checks every one and settles every entity id first, then hands them to the store.
    ///
    /// The first pass reads the records without writing anything, so a bad
    /// record costs no lock and leaves every store untouched; it collects the
    /// entities they name, in order of first mention. The engine then mints
    /// ids (UUIDv7) for those the directory does not know, and the store writes
    /// with them. Should another writer register one of the new keys in
    /// between, the store stores nothing and the ids are settled again.
    ///
    /// - Parameter makeSource: makes the records from the first; its argument says whether to report progress.
    func write(
        ontology: Ontology, toStore: StoredOntology?, ingestionTime: Timestamp,
        makeSource: @escaping @Sendable (_ reporting: Bool) throws -> any RecordSource
    ) async throws -> IngestSummary {
        try await write(ontology: ontology, toStore: toStore, ingestionTime: ingestionTime, identify: { try await mintIdentities(for: $0, among: $1) }, makeSource: makeSource)
    }

    /// Writes records all or nothing, as ``write(ontology:toStore:ingestionTime:makeSource:)`` does, with the ids
    /// `identify` gives the named entities (in order of first mention, and as a set).
    func write(
        ontology: Ontology, toStore: StoredOntology?, ingestionTime: Timestamp,
        identify: @Sendable (_ named: [EntityRef], _ all: Set<EntityRef>) async throws -> EntityIdentities,
        makeSource: @escaping @Sendable (_ reporting: Bool) throws -> any RecordSource
    ) async throws -> IngestSummary {
        var named: [EntityRef] = []
        var seen = Set<EntityRef>()
        var supersedes = false
        let checking = try makeSource(false)
        while let item = try checking.next() {
            for ref in item.record.entityRefs where seen.insert(ref).inserted { named.append(ref) }
            if !supersedes, case .fact(let fact) = item.record {
                supersedes = ontology.supersedingCardinality(of: fact.relation) != nil
            }
        }
        let scope = Self.cacheScope(named: seen, changesOntology: toStore != nil, supersedes: supersedes)
        var attempts = 0
        while true {
            let identities = try await identify(named, seen)
            let request = IngestRequest(
                ontology: toStore, ontologyInForce: ontology, identities: identities, ingestionTime: ingestionTime,
                makeSource: { try makeSource(true) })
            do {
                return try await invalidating(scope) { try await store.ingest(request) }
            } catch let conflict as EntityRegistrationConflict where conflict.reason == .registeredMeanwhile && attempts < 3 {
                attempts += 1
            }
        }
    }

    /// The ids of the named entities: those the directory knows, and new ones minted now, in order of first mention.
    private func mintIdentities(for named: [EntityRef], among all: Set<EntityRef>) async throws -> EntityIdentities {
        let known = all.isEmpty ? [:] : try await store.entityIDs(for: all)
        let milliseconds = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        let new = named.filter { known[$0] == nil }.map { EntityHandle(id: ids.next(unixMilliseconds: milliseconds), ref: $0) }
        return EntityIdentities(known: known, new: new)
    }

    /// Replaces the ontology (refused when stored data would not fit it); returns what is stored.
    @discardableResult
    public func setOntology(source: String) async throws -> StoredOntology {
        let (ontology, toStore) = try await resolveOntology(source: source)
        if let toStore {
            _ = try await write(ontology: ontology, toStore: toStore, ingestionTime: now) { _ in RecordListSource([]) }
            return toStore
        }
        return StoredOntology(source: source, ontology: ontology)
    }
}
