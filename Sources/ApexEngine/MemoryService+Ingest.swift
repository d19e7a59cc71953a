public import ApexCore
public import ApexPorts

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
            return try await store.ingest(ontology: nil) {
                JSONLinesSource(reader: ByteLineReader(bytes: body), ontology: ontology, ingestionTime: ingestionTime, progress: nil)
            }
        case .jsonArray:
            // Parse before opening the write transaction, so a malformed body costs no lock.
            let elements = try JSONArraySource.elements(of: body)
            return try await store.ingest(ontology: nil) {
                JSONArraySource(elements: elements, ontology: ontology, ingestionTime: ingestionTime)
            }
        }
    }

    /// Replaces the ontology (refused when stored data would not fit it); returns what is stored.
    @discardableResult
    public func setOntology(source: String) async throws -> StoredOntology {
        let (ontology, toStore) = try await resolveOntology(source: source)
        if let toStore {
            _ = try await store.ingest(ontology: toStore) { RecordListSource([]) }
            return toStore
        }
        return StoredOntology(source: source, ontology: ontology)
    }
}
