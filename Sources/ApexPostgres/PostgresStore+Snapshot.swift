public import ApexCore
public import ApexPorts
import Foundation
import PostgresNIO

extension PostgresStore {
    /// Reads the ontology, the entity, its versions, facts and ends in one statement: one round trip, one consistent snapshot.
    ///
    /// Each list comes back as a JSON array (`json_agg`), so that rows of
    /// different shapes travel in one result row; a single statement sees one
    /// snapshot without an explicit transaction.
    public func snapshot(of ref: EntityRef, property: String?, includeFacts: Bool, knownAt: Timestamp) async throws -> EntitySnapshot {
        if ref.type.containsNUL || ref.key.containsNUL || property?.containsNUL == true {
            // No stored key or property has NUL (the record decoder refuses it); PostgreSQL could not even compare it.
            return EntitySnapshot(ontologySource: try await ontologySource(), entity: nil, versions: [], facts: [], ends: [])
        }
        let sides = includeFacts ? laterFactSides.current : nil
        var row = try await snapshotRow(of: ref, property: property, includeFacts: includeFacts, knownAt: knownAt, sides: sides)
        var read = sides
        if includeFacts, let source = row.0, sides?.source != source {
            // The ontology is not the one the sides came from: learn it, and read again if they were used.
            let learned = laterFactSides.learn(source)
            if let sides, learned.map({ ($0.bySource, $0.byTarget) != (sides.bySource, sides.byTarget) }) ?? true {
                row = try await snapshotRow(of: ref, property: property, includeFacts: true, knownAt: knownAt, sides: learned)
                read = learned
            }
        }
        let (source, id, watermark, versions, facts, ends) = row
        guard let id else { return EntitySnapshot(ontologySource: source, entity: nil, versions: [], facts: [], ends: []) }
        // Read at or after the newest recorded_at of the store, the snapshot holds for any later known_at (a cache may keep it).
        var snapshot = EntitySnapshot(
            ontologySource: source, entity: EntityHandle(id: EntityID(uuid: id), ref: ref), versions: try Self.versions(fromJSON: versions),
            facts: includeFacts ? try facts.map { try Self.facts(fromJSON: $0, sides: read) } ?? [] : [], ends: try ends.map(Self.ends(fromJSON:)) ?? [],
            seesEveryRow: watermark.map { knownAt.microseconds >= $0 } ?? true)
        if !includeFacts, let facts { snapshot.sagaVisibility = try Self.sagaVisibility(fromJSON: facts) }
        return snapshot
    }

    /// The one row of the snapshot statement, with later facts on `sides` (every side when nil).
    private func snapshotRow(of ref: EntityRef, property: String?, includeFacts: Bool, knownAt: Timestamp, sides: LaterFactSides.Known?)
        async throws -> SnapshotRow
    {
        let arguments = SnapshotArguments(
            type: ref.type, key: ref.key, knownAt: knownAt.microseconds, property: property, bySource: sides?.bySource, byTarget: sides?.byTarget)
        let logger = self.logger
        let found: [SnapshotRow]
        do {
            // Prepared once per connection: planning this statement costs more than running it.
            found = try await lease.leased { connection in
                if includeFacts {
                    return try await Array(connection.execute(SnapshotWithFactsStatement(arguments: arguments), logger: logger))
                }
                return try await Array(connection.execute(SnapshotStatement(arguments: arguments), logger: logger))
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
        guard let row = found.first else { throw PostgresStoreError.corruptRow(reason: "the snapshot query returned no row") }
        return row
    }

    /// $1 type, $2 key, $3 known_at (µs), $4 property or NULL for all.
    private static let snapshotColumns = """
        SELECT o.source, e.id, (SELECT max_recorded_at FROM store_watermark WHERE id = 1),
            (SELECT coalesce(json_agg(json_build_array(p.property, p.valid_at, p.recorded_at, p.value)), '[]')::text
             FROM property_versions p WHERE p.entity_id = e.id AND p.recorded_at <= $3 AND ($4::text IS NULL OR p.property = $4))
        """

    private static let snapshotFrom = """
        FROM (SELECT 1) AS one LEFT JOIN ontology o ON o.id = 1 LEFT JOIN entities e ON e.type = $1 AND e.key = $2
        """

    /// Without facts (they are in another store): the fifth column is the saga log's visibility, read in the same snapshot.
    static let snapshotSQL = snapshotColumns + ", " + sagaVisibilitySQL + ", NULL::text " + snapshotFrom

    /// Each fact also carries the earliest later fact of its type from the same source (when its relation is in $5, or $5
    /// is NULL) and to the same target (in $6, or NULL) (rule 3).
    /// The ends' types and keys are looked up per row: a join lets the generic plan of the prepared statement hash
    /// the whole entity table (two sequential scans, milliseconds on 10,000 entities) for a few dozen facts.
    static let snapshotWithFactsSQL = snapshotColumns + """
        ,
            (SELECT coalesce(json_agg(json_build_array(
                    f.relation, f.from_id, ef.type, ef.key, f.to_id, et.type, et.key, f.valid_at, f.invalid_at, f.recorded_at, f.fact,
                    CASE WHEN $5::text[] IS NULL OR f.relation = ANY($5) THEN (SELECT min(n.valid_at) FROM facts n
                        WHERE n.from_id = f.from_id AND n.relation = f.relation AND n.valid_at > f.valid_at AND n.recorded_at <= $3) END,
                    CASE WHEN $6::text[] IS NULL OR f.relation = ANY($6) THEN (SELECT min(n.valid_at) FROM facts n
                        WHERE n.to_id = f.to_id AND n.relation = f.relation AND n.valid_at > f.valid_at AND n.recorded_at <= $3) END)), '[]')::text
             FROM (SELECT * FROM facts WHERE from_id = e.id AND recorded_at <= $3
                   UNION ALL
                   SELECT * FROM facts WHERE to_id = e.id AND from_id <> e.id AND recorded_at <= $3) f
             CROSS JOIN LATERAL (SELECT type, key FROM entities WHERE id = f.from_id OFFSET 0) ef
             CROSS JOIN LATERAL (SELECT type, key FROM entities WHERE id = f.to_id OFFSET 0) et),
            (SELECT coalesce(json_agg(json_build_array(x.relation, x.from_id, x.to_id, x.invalid_at, x.recorded_at)), '[]')::text
             FROM (SELECT relation, from_id, to_id, invalid_at, recorded_at FROM fact_ends WHERE from_id = e.id AND recorded_at <= $3
                   UNION ALL
                   SELECT relation, from_id, to_id, invalid_at, recorded_at FROM fact_ends WHERE to_id = e.id AND from_id <> e.id
                       AND recorded_at <= $3) x)

        """ + snapshotFrom

    typealias SnapshotRow = (String?, UUID?, Int64?, String, String?, String?)

    // MARK: Reading the JSON lists

    static func versions(fromJSON text: String) throws -> [PropertyVersion] {
        try JSONRows(text).map { row in
            PropertyVersion(
                property: try row.string(0), validAt: try row.time(1), recordedAt: try row.time(2), value: try row.optionalString(3))
        }
    }

    /// The facts of a snapshot read with later facts on `sides` (every side when nil): a fact of a relation of no side has none.
    static func facts(fromJSON text: String, sides: LaterFactSides.Known? = nil) throws -> [FactVersion] {
        try JSONRows(text).map { row in
            let relation = try row.string(0)
            return FactVersion(
                relation: relation, from: EntityHandle(id: try row.id(1), ref: EntityRef(type: try row.string(2), key: try row.string(3))),
                to: EntityHandle(id: try row.id(4), ref: EntityRef(type: try row.string(5), key: try row.string(6))), validAt: try row.time(7),
                invalidAt: try row.optionalTime(8), recordedAt: try row.time(9), fact: try row.optionalString(10),
                later: sides.map { $0.reads(relation) } ?? true ? LaterFacts(fromSource: try row.optionalTime(11), toTarget: try row.optionalTime(12)) : nil)
        }
    }

    static func ends(fromJSON text: String) throws -> [FactEnd] {
        try JSONRows(text).map { row in
            FactEnd(relation: try row.string(0), from: try row.id(1), to: try row.id(2), invalidAt: try row.time(3), recordedAt: try row.time(4))
        }
    }
}

/// The parameters of the snapshot statements: $1 type, $2 key, $3 known_at (µs), $4 property or NULL for all.
struct SnapshotArguments: Sendable {
    let type: String
    let key: String
    let knownAt: Int64
    let property: String?
    /// The relations to read later facts for from the same source ($5) and to the same target ($6); nil for every one.
    var bySource: [String]? = nil
    var byTarget: [String]? = nil

    func bindings() -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(type)
        binds.append(key)
        binds.append(knownAt)
        binds.append(property)
        return binds
    }

    /// With the later facts' relations, for ``SnapshotWithFactsStatement``.
    func bindingsWithSides() -> PostgresBindings {
        var binds = bindings()
        binds.append(bySource)
        binds.append(byTarget)
        return binds
    }
}

/// The snapshot of an entity's versions (no facts), as a prepared statement.
struct SnapshotStatement: PostgresPreparedStatement {
    static let name = "apex_snapshot_v3"
    static let sql = PostgresStore.snapshotSQL
    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .int8, .text]
    typealias Row = PostgresStore.SnapshotRow
    let arguments: SnapshotArguments

    func makeBindings() throws -> PostgresBindings { arguments.bindings() }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// The snapshot of an entity's versions, facts and ends, as a prepared statement.
struct SnapshotWithFactsStatement: PostgresPreparedStatement {
    static let name = "apex_snapshot_facts_v4"
    static let sql = PostgresStore.snapshotWithFactsSQL
    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .int8, .text, .textArray, .textArray]
    typealias Row = PostgresStore.SnapshotRow
    let arguments: SnapshotArguments

    func makeBindings() throws -> PostgresBindings { arguments.bindingsWithSides() }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// The rows of a `json_agg(json_build_array(...))` result, read cell by cell with the store's errors.
struct JSONRows {
    let rows: [[JSONValue]]

    init(_ text: String) throws {
        guard case .array(let items) = (try? JSONParser.parse(text)) ?? .null else {
            throw PostgresStoreError.corruptRow(reason: "a snapshot list is not a JSON array")
        }
        rows = try items.map { item in
            guard case .array(let cells) = item else { throw PostgresStoreError.corruptRow(reason: "a snapshot row is not a JSON array") }
            return cells
        }
    }

    func map<T>(_ transform: (Row) throws -> T) throws -> [T] {
        try rows.map { try transform(Row(cells: $0)) }
    }

    struct Row {
        let cells: [JSONValue]

        func cell(_ index: Int) throws -> JSONValue {
            guard index < cells.count else { throw PostgresStoreError.corruptRow(reason: "a snapshot row has \(cells.count) cells, not \(index + 1)") }
            return cells[index]
        }

        func string(_ index: Int) throws -> String {
            guard let text = try cell(index).stringValue else { throw PostgresStoreError.corruptRow(reason: "cell \(index) of a snapshot row is not text") }
            return text
        }

        func optionalString(_ index: Int) throws -> String? {
            if case .null = try cell(index) { return nil }
            return try string(index)
        }

        func time(_ index: Int) throws -> Timestamp {
            guard case .integer(let microseconds) = try cell(index) else {
                throw PostgresStoreError.corruptRow(reason: "cell \(index) of a snapshot row is not a time in microseconds")
            }
            return Timestamp(microseconds: microseconds)
        }

        func optionalTime(_ index: Int) throws -> Timestamp? {
            if case .null = try cell(index) { return nil }
            return try time(index)
        }

        func id(_ index: Int) throws -> EntityID {
            guard let id = EntityID(try string(index)) else { throw PostgresStoreError.corruptRow(reason: "cell \(index) of a snapshot row is not a uuid") }
            return id
        }
    }
}
