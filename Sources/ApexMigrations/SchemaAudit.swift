/// One object of a store's schema as `apex schema audit` compares it: a table, column, index, constraint, extension or
/// graph index, with its definition as the store reports it (normalised, so that two equal objects read the same).
public struct SchemaObject: Sendable, Hashable, Comparable {
    public var kind: String
    /// The object's name, qualified where names repeat (a column is `table.column`).
    public var name: String
    public var definition: String

    public init(kind: String, name: String, definition: String) {
        self.kind = kind
        self.name = name
        self.definition = definition
    }

    public static func < (lhs: SchemaObject, rhs: SchemaObject) -> Bool {
        (lhs.kind, lhs.name, lhs.definition) < (rhs.kind, rhs.name, rhs.definition)
    }
}

/// A store whose live schema `apex schema audit` can read, compare with what its applied migrations declare, and repair.
public protocol SchemaInspector: Sendable {
    /// A name for messages: `sqlite`, `postgres`, `falkordb` (as `apex migrate` names them).
    var storeName: String { get }

    /// The live schema, without the migration history itself.
    func liveSchema() async throws -> [SchemaObject]

    /// The schema `migrations` make: applied to an empty scratch copy of the store (a database, schema or graph of
    /// its own), read back, and removed.
    func declaredSchema(_ migrations: [Migration]) async throws -> [SchemaObject]

    /// Creates an object the live schema lacks from its declared definition; false when the store cannot (a column).
    func recreate(_ object: SchemaObject) async throws -> Bool

    /// Drops an object the migrations do not declare; false when the store cannot.
    func drop(_ object: SchemaObject) async throws -> Bool

    /// Brings an object defined otherwise than declared back to its declaration; false when the store cannot.
    func restore(_ declared: SchemaObject, from live: SchemaObject) async throws -> Bool
}

/// How a live schema differs from the declared one.
public struct SchemaDrift: Sendable, Equatable {
    /// Declared and not there.
    public var missing: [SchemaObject] = []
    /// There and not declared.
    public var extra: [SchemaObject] = []
    /// There under the declared kind and name, defined otherwise: (declared, live).
    public var changed: [(declared: SchemaObject, live: SchemaObject)] = []

    public init() {}

    public var isEmpty: Bool { missing.isEmpty && extra.isEmpty && changed.isEmpty }

    /// Compares by kind and name, then definition.
    public static func between(live: [SchemaObject], declared: [SchemaObject]) -> SchemaDrift {
        struct Key: Hashable {
            let kind: String
            let name: String
        }
        let liveByKey = Dictionary(live.map { (Key(kind: $0.kind, name: $0.name), $0) }, uniquingKeysWith: { first, _ in first })
        let declaredByKey = Dictionary(declared.map { (Key(kind: $0.kind, name: $0.name), $0) }, uniquingKeysWith: { first, _ in first })
        var drift = SchemaDrift()
        for (key, object) in declaredByKey {
            guard let found = liveByKey[key] else {
                drift.missing.append(object)
                continue
            }
            if found.definition != object.definition { drift.changed.append((object, found)) }
        }
        drift.extra = liveByKey.filter { declaredByKey[$0.key] == nil }.map(\.value)
        drift.missing.sort()
        drift.extra.sort()
        drift.changed.sort { $0.declared < $1.declared }
        return drift
    }

    /// One line per finding: `missing index entities_by_key: CREATE INDEX ...`.
    public var lines: [String] {
        missing.map { "missing \($0.kind) \($0.name): \($0.definition)" } + extra.map { "extra \($0.kind) \($0.name): \($0.definition)" }
            + changed.map { "changed \($0.declared.kind) \($0.declared.name): declared \($0.declared.definition), found \($0.live.definition)" }
    }

    public static func == (lhs: SchemaDrift, rhs: SchemaDrift) -> Bool {
        lhs.missing == rhs.missing && lhs.extra == rhs.extra && lhs.changed.map(\.declared) == rhs.changed.map(\.declared)
            && lhs.changed.map(\.live) == rhs.changed.map(\.live)
    }
}

extension Migration {
    /// The migrations whose versions `applied` lists: what a store's declared schema is made of.
    public static func applied(_ all: [Migration], versions: Set<Int>) -> [Migration] {
        all.filter { versions.contains($0.version) }
    }
}

/// Runs the audit of one store: its applied migrations (by the history), the schema they declare, and the drift.
public struct SchemaAuditor: Sendable {
    public let inspector: any SchemaInspector
    public let migrations: [Migration]
    public let status: @Sendable () async throws -> [MigrationStatus]

    public init(inspector: any SchemaInspector, migrations: [Migration], status: @escaping @Sendable () async throws -> [MigrationStatus]) {
        self.inspector = inspector
        self.migrations = migrations
        self.status = status
    }

    /// The drift between the live schema and the one the applied migrations declare.
    public func audit() async throws -> SchemaDrift {
        let applied = Set(try await status().filter { $0.state == .applied || $0.state == .checksumMismatch }.map(\.version))
        async let declared = inspector.declaredSchema(Migration.applied(migrations, versions: applied))
        async let live = inspector.liveSchema()
        return SchemaDrift.between(live: try await live, declared: try await declared)
    }

    /// What `declared` (some migrations, applied or not) puts in a store that its live schema lacks or defines otherwise,
    /// one line each: what `apex migrate baseline` checks before recording them as applied. Extra objects are no gap.
    public func gaps(for declared: [Migration]) async throws -> [String] {
        async let wanted = inspector.declaredSchema(declared)
        async let live = inspector.liveSchema()
        var drift = SchemaDrift.between(live: try await live, declared: try await wanted)
        drift.extra = []
        return drift.lines
    }

    /// Recreates what is missing, restores what changed and, with `dropExtra`, drops what is not declared; returns what
    /// could not be repaired.
    public func repair(dropExtra: Bool) async throws -> [SchemaObject] {
        var left: [SchemaObject] = []
        let drift = try await audit()
        // Tables before their indexes and constraints.
        let order = ["table", "column", "index", "constraint", "trigger", "view", "graph index"]
        let rank = { (object: SchemaObject) in (order.firstIndex(of: object.kind) ?? 9, object.name) }
        for object in drift.missing.sorted(by: { rank($0) < rank($1) }) where !(try await inspector.recreate(object)) { left.append(object) }
        for (declared, live) in drift.changed where !(try await inspector.restore(declared, from: live)) { left.append(live) }
        if dropExtra {
            for object in drift.extra.sorted(by: { rank($0) > rank($1) }) where !(try await inspector.drop(object)) { left.append(object) }
        }
        return left
    }
}
