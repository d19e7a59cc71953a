public import ApexMigrations
import Foundation

/// The graph's schema as `apex schema audit` reads it: every index FalkorDB lists (`CALL db.indexes()`), one object per
/// label, property and index kind; the declared ones from the applied migrations replayed on a scratch graph of the same server.
public struct FalkorDBSchemaInspector: SchemaInspector {
    public let store: FalkorDBStore
    public var storeName: String { "falkordb" }

    public init(store: FalkorDBStore) {
        self.store = store
    }

    public func liveSchema() async throws -> [SchemaObject] {
        try await Self.indexes(of: store)
    }

    public func declaredSchema(_ migrations: [Migration]) async throws -> [SchemaObject] {
        let scratch = try await FalkorDBStore.connect(url: FalkorDBStore.scratchURL(beside: store.url, prefix: "apex_audit"), migrate: false)
        do {
            _ = try await MigrationRunner(target: scratch.migrator.target, migrations: migrations).up()
            let objects = try await Self.indexes(of: scratch)
            try await scratch.deleteGraph()
            await scratch.shutdown()
            return objects
        } catch {
            try? await scratch.deleteGraph()
            await scratch.shutdown()
            throw error
        }
    }

    /// A missing range index is created again; a full-text one (made with its language and stop words) is not.
    public func recreate(_ object: SchemaObject) async throws -> Bool {
        guard let pattern = Self.rangeIndexPattern(object) else { return false }
        try await store.query(CypherQuery("CREATE INDEX FOR \(pattern)"))
        return true
    }

    /// Drops an extra range index.
    public func drop(_ object: SchemaObject) async throws -> Bool {
        guard let pattern = Self.rangeIndexPattern(object) else { return false }
        try await store.query(CypherQuery("DROP INDEX FOR \(pattern)"))
        return true
    }

    /// `(n:Label) ON (n.`property`)` (or the relationship form) of a range index; nil for any other index. The label and
    /// property come from FalkorDB's catalogue, quoted; a name that cannot be quoted gives nil.
    static func rangeIndexPattern(_ object: SchemaObject) -> String? {
        let parts = object.definition.split(separator: " ").map(String.init)
        guard object.kind == "graph index", parts.count == 4, parts[3] == "RANGE", let label = CypherQuery.label(parts[1]),
            CypherQuery.isQuotable(parts[2])
        else { return nil }
        return parts[0] == "NODE" ? "(n:\(label)) ON (n.`\(parts[2])`)" : "()-[e:\(label)]-() ON (e.`\(parts[2])`)"
    }

    /// A graph index has no definition beyond its label, property and kind: nothing can differ but those.
    public func restore(_ declared: SchemaObject, from live: SchemaObject) async throws -> Bool { false }

    /// `NODE Entity uuid RANGE`, ... from the index catalogue of `graph`.
    static func indexes(of graph: FalkorDBStore) async throws -> [SchemaObject] {
        let result = try await graph.query(
            CypherQuery("CALL db.indexes() YIELD label, properties, types, entitytype RETURN label, types, entitytype"), readOnly: true)
        var objects: [SchemaObject] = []
        for row in result.rows where row.count == 3 {
            guard let label = row[0].string, let entity = row[2].string, case .map(let types) = row[1] else { continue }
            for (property, kinds) in types {
                guard case .list(let list) = kinds else { continue }
                for kind in list.compactMap(\.string) {
                    let definition = "\(entity) \(label) \(property) \(kind)"
                    objects.append(SchemaObject(kind: "graph index", name: "\(label).\(property) \(kind.lowercased())", definition: definition))
                }
            }
        }
        return objects
    }
}
