public import ApexCore
public import ApexPorts

/// Feeds the elements of a JSON array of records to a store; element N counts as line N.
public final class JSONArraySource: RecordSource {
    private let elements: [JSONValue]
    private let decoder: RecordDecoder
    private let ingestionTime: Timestamp
    private var index = 0

    /// The records of `bytes`, which must hold one JSON array (parsed once, before any write starts).
    public static func elements(of bytes: [UInt8]) throws(IngestError) -> [JSONValue] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .badRecord(RecordError(line: 1, code: "bad_json", message: error.description))
        }
        guard case .array(let elements) = value else {
            throw .badRecord(RecordError(line: 1, code: "bad_json", message: "the body must be a JSON array of records, not \(value.kindName)"))
        }
        return elements
    }

    public init(elements: [JSONValue], ontology: Ontology, ingestionTime: Timestamp) {
        self.elements = elements
        self.decoder = RecordDecoder(ontology: ontology)
        self.ingestionTime = ingestionTime
    }

    public func next() throws -> IngestRecord? {
        guard index < elements.count else { return nil }
        let element = elements[index]
        index += 1
        let record: Record
        do {
            record = try decoder.decode(element, line: index)
        } catch {
            throw IngestError.badRecord(error)
        }
        return IngestRecord(record: record, recordedAt: record.recordedAt ?? ingestionTime, recordedAtIsImplicit: record.recordedAt == nil)
    }
}
