import ApexRESP

/// The rows of one `GRAPH.QUERY ... --compact` reply, decoded into typed values.
///
/// The compact reply is `[header, rows, statistics]` for a query that
/// returns columns and `[statistics]` for one that does not; each value is a
/// pair `[type, payload]` (FalkorDB's result set value types).
public struct FalkorResult: Sendable {
    public var columns: [String]
    public var rows: [[FalkorValue]]

    init(columns: [String], rows: [[FalkorValue]]) {
        self.columns = columns
        self.rows = rows
    }

    init(reply: RESPValue) throws(FalkorDBStoreError) {
        guard let parts = reply.array else { throw .unexpectedReply(reason: "a query reply is not an array") }
        guard parts.count >= 3 else {
            columns = []
            rows = []
            return
        }
        guard let header = parts[0].array, let body = parts[1].array else { throw .unexpectedReply(reason: "a query reply has no header and rows") }
        columns = header.map { $0.array?.last?.string ?? $0.string ?? "" }
        rows = try body.map { row throws(FalkorDBStoreError) in
            guard let cells = row.array else { throw .unexpectedReply(reason: "a result row is not an array") }
            return try cells.map(Self.value)
        }
    }

    /// A plain-form reply (no `--compact`) of a query whose columns are only text, integers and nulls.
    init(scalarReply reply: RESPValue) throws(FalkorDBStoreError) {
        guard let parts = reply.array else { throw .unexpectedReply(reason: "a query reply is not an array") }
        guard parts.count >= 3 else {
            columns = []
            rows = []
            return
        }
        guard let header = parts[0].array, let body = parts[1].array else { throw .unexpectedReply(reason: "a query reply has no header and rows") }
        columns = header.map { $0.string ?? "" }
        rows = try body.map { row throws(FalkorDBStoreError) in
            guard let cells = row.array else { throw .unexpectedReply(reason: "a result row is not an array") }
            return try cells.map { cell throws(FalkorDBStoreError) in
                switch cell {
                case .integer(let number): return .integer(number)
                case .bulkString(let bytes?): return .string(String(decoding: bytes, as: UTF8.self))
                case .simpleString(let text): return .string(text)
                case .null, .bulkString(nil): return .null
                default: throw .unexpectedReply(reason: "a plain-form value is not text, an integer or null")
                }
            }
        }
    }

    /// One `[type, payload]` pair.
    static func value(_ cell: RESPValue) throws(FalkorDBStoreError) -> FalkorValue {
        guard let pair = cell.array, pair.count == 2, let type = pair[0].int else {
            throw .unexpectedReply(reason: "a result value is not a [type, value] pair")
        }
        let payload = pair[1]
        switch type {
        case 1: return .null
        case 2:
            guard let text = payload.string else { throw .unexpectedReply(reason: "a string value is not text") }
            return .string(text)
        case 3:
            guard let number = payload.int else { throw .unexpectedReply(reason: "an integer value is not an integer") }
            return .integer(Int64(number))
        case 4: return .bool(payload.string == "true" || payload.bool == true)
        case 5:
            guard let number = payload.double ?? payload.string.flatMap(Double.init) else {
                throw .unexpectedReply(reason: "a double value is not a number")
            }
            return .double(number)
        case 6:
            guard let items = payload.array else { throw .unexpectedReply(reason: "a list value is not an array") }
            return .list(try items.map(value))
        case 10:
            guard let flat = payload.array, flat.count % 2 == 0 else { throw .unexpectedReply(reason: "a map value is not key/value pairs") }
            var pairs: [(key: String, value: FalkorValue)] = []
            var index = 0
            while index < flat.count {
                pairs.append((flat[index].string ?? "", try value(flat[index + 1])))
                index += 2
            }
            return .map(pairs)
        case 12:
            let items = payload.array ?? []
            return .vector(items.compactMap { $0.double.map(Float.init) ?? $0.string.flatMap(Float.init) })
        default: return .other(type: Int64(type))
        }
    }
}
