import ApexCore
import ApexTesting
import Foundation
import GRDB
import PostgresNIO
import Testing
@testable import ApexFalkorDB

/// The seeds' schema checks (seed 000: "30+ schema validation tests"): after `apex migrate up` on each real store, the
/// constraints, indexes, extensions, Graphiti's labels and indexes, and the vector collections' specs are there, read
/// from each server's own catalogue rather than through apex's inspectors.
@Suite(.serialized) struct SchemaChecksTests {
    /// One named fact about a migrated store.
    struct Check: Sendable, CustomTestStringConvertible {
        enum Store: String, Sendable { case sqlite, postgres, falkordb, vectors }
        let store: Store
        let name: String
        /// SQL (or, for FalkorDB, `ENTITY LABEL PROPERTY KIND` of an index) whose first column must be true or 1.
        let probe: String
        var testDescription: String { "\(store.rawValue): \(name)" }
    }

    static func sqlite(_ name: String, _ sql: String) -> Check { Check(store: .sqlite, name: name, probe: sql) }
    static func postgres(_ name: String, _ sql: String) -> Check { Check(store: .postgres, name: name, probe: sql) }
    static func graph(_ index: String) -> Check { Check(store: .falkordb, name: "index " + index, probe: index) }

    static func sqliteObject(_ type: String, _ name: String, on table: String) -> Check {
        sqlite("\(type) \(name) on \(table)", "SELECT count(*) = 1 FROM sqlite_master WHERE type = '\(type)' AND name = '\(name)' AND tbl_name = '\(table)'")
    }

    static func postgresIndex(_ name: String, on table: String, using fragment: String) -> Check {
        postgres(
            "index \(name) on \(table) (\(fragment))",
            "SELECT count(*) = 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = '\(name)' AND tablename = '\(table)' AND indexdef LIKE '%\(fragment)%'"
        )
    }

    static func postgresConstraint(_ name: String, kind: String) -> Check {
        postgres(
            "constraint \(name) (\(kind))",
            "SELECT count(*) = 1 FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema() AND c.conname = '\(name)' AND c.contype = '\(kind)'"
        )
    }

    static let checks: [Check] = [
        // The embedded store.
        sqlite("journal mode is WAL", "SELECT journal_mode = 'wal' FROM pragma_journal_mode"),
        sqlite("9 migrations recorded", "SELECT count(*) = 9 FROM apex_schema_history"),
        sqlite("the move state table", "SELECT count(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'move_state'"),
        sqliteObject("table", "entities", on: "entities"),
        sqlite("entities: (type, key) unique", "SELECT count(*) = 1 FROM pragma_index_list('entities') WHERE \"unique\" = 1 AND origin = 'u'"),
        sqlite("property_versions reference entities", "SELECT count(*) >= 1 FROM pragma_foreign_key_list('property_versions') WHERE \"table\" = 'entities'"),
        sqlite("facts reference entities both ends", "SELECT count(*) = 2 FROM pragma_foreign_key_list('facts') WHERE \"table\" = 'entities'"),
        sqliteObject("index", "facts_by_target", on: "facts"),
        sqliteObject("index", "fact_ends_by_target", on: "fact_ends"),
        sqliteObject("index", "chunks_by_document", on: "chunks"),
        sqliteObject("index", "document_mentions_by_entity", on: "document_mentions"),
        sqlite("chunks_fts is an FTS5 table", "SELECT count(*) = 1 FROM sqlite_master WHERE name = 'chunks_fts' AND sql LIKE '%USING fts5%'"),
        sqliteObject("trigger", "chunks_fts_insert", on: "chunks"),
        sqliteObject("trigger", "chunks_fts_delete", on: "chunks"),
        sqliteObject("index", "sagas_in_flight", on: "sagas"),
        sqliteObject("index", "idempotency_keys_claimed_at", on: "idempotency_keys"),
        sqlite("one live vector collection at most", "SELECT count(*) = 1 FROM sqlite_master WHERE name = 'vector_collections_one_live' AND sql LIKE '%UNIQUE%WHERE state = ''live''%'"),
        sqliteObject("index", "collection_vectors_by_version", on: "collection_vectors"),
        sqliteObject("trigger", "chunks_collection_vectors_delete", on: "chunks"),
        // PostgreSQL.
        postgres("pgvector is enabled", "SELECT count(*) = 1 FROM pg_extension WHERE extname = 'vector'"),
        postgres("every migration recorded", "SELECT count(*) >= 11 FROM apex_schema_history"),
        postgres("the move state table", "SELECT to_regclass('move_state') IS NOT NULL"),
        postgresConstraint("entities_type_key_key", kind: "u"),
        postgresConstraint("property_versions_entity_id_fkey", kind: "f"),
        postgresConstraint("facts_from_id_fkey", kind: "f"),
        postgresConstraint("facts_to_id_fkey", kind: "f"),
        postgresConstraint("chunks_document_id_fkey", kind: "f"),
        postgresConstraint("sagas_state_check", kind: "c"),
        postgresIndex("facts_by_target", on: "facts", using: "btree"),
        postgresIndex("chunks_search", on: "chunks", using: "gin"),
        postgresIndex("documents_metadata", on: "documents", using: "gin"),
        postgresIndex("sagas_in_flight", on: "sagas", using: "WHERE"),
        postgresIndex("vector_items_vector_384", on: "vector_items", using: "hnsw"),
        postgresIndex("vector_items_halfvec_384", on: "vector_items", using: "halfvec_cosine_ops"),
        postgresIndex("vector_items_payload", on: "vector_items", using: "gin"),
        postgres(
            "HNSW indexes built with m 16, ef_construction 64",
            "SELECT bool_and(c.reloptions @> ARRAY['m=16', 'ef_construction=64']) AND count(*) >= 5 FROM pg_class c JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.amname = 'hnsw' AND n.nspname = current_schema()"
        ),
        // FalkorDB: Graphiti's layout (build_indices_and_constraints) and apex's own range indexes.
        graph("NODE Entity uuid RANGE"), graph("NODE Entity group_id RANGE"), graph("NODE Entity name RANGE"),
        graph("NODE Entity created_at RANGE"), graph("NODE Episodic uuid RANGE"), graph("NODE Community uuid RANGE"),
        graph("RELATIONSHIP RELATES_TO uuid RANGE"), graph("RELATIONSHIP RELATES_TO valid_at RANGE"),
        graph("RELATIONSHIP RELATES_TO invalid_at RANGE"), graph("RELATIONSHIP RELATES_TO expired_at RANGE"),
        graph("RELATIONSHIP MENTIONS uuid RANGE"), graph("RELATIONSHIP HAS_EPISODE uuid RANGE"),
        graph("NODE Entity name FULLTEXT"), graph("NODE Entity summary FULLTEXT"), graph("NODE Episodic content FULLTEXT"),
        graph("RELATIONSHIP RELATES_TO fact FULLTEXT"), graph("NODE Entity apex_key RANGE"), graph("RELATIONSHIP RELATES_TO valid_at_us RANGE"),
        // Vector collections on the embedded store, after apex vectors migrate to a declared spec.
        Check(store: .vectors, name: "the live version records its spec", probe: "SELECT count(*) = 1 FROM vector_collections WHERE state = 'live' AND version = 2"),
        Check(store: .vectors, name: "m and ef_construction as declared", probe: "SELECT json_extract(spec, '$.m') = 24 AND json_extract(spec, '$.ef_construction') = 100 FROM vector_collections WHERE version = 2"),
        Check(store: .vectors, name: "precision float32", probe: "SELECT json_extract(spec, '$.precision') = 'float32' FROM vector_collections WHERE version = 2"),
        Check(store: .vectors, name: "payload indexes as declared", probe: "SELECT json_extract(spec, '$.payload_indexes[0]') = 'part' FROM vector_collections WHERE version = 2"),
        Check(store: .vectors, name: "the version replaced is kept ready", probe: "SELECT count(*) = 1 FROM vector_collections WHERE version = 1 AND state = 'ready'"),
    ]

    @Test func thereAreAtLeastThirtyChecks() {
        #expect(Self.checks.count >= 30)
        #expect(Set(Self.checks.map(\.testDescription)).count == Self.checks.count)
    }

    @Test(arguments: checks)
    func theMigratedSchemaHas(_ check: Check) async throws {
        switch check.store {
        case .sqlite, .vectors:
            let directory = try await MigratedStores.shared.embedded(withCollection: check.store == .vectors)
            let database = try DatabaseQueue(path: (directory as NSString).appendingPathComponent("apex.sqlite"))
            defer { try? database.close() }
            let answer = try await database.read { db in try Bool.fetchOne(db, sql: check.probe) }
            #expect(answer == true, "\(check.probe)")
        case .postgres:
            let connection = try await PostgresTestServer.connect(try await MigratedStores.shared.postgres())
            let answer = try await connection.query(PostgresQuery(unsafeSQL: check.probe), logger: PostgresTestServer.logger).collect().first?.decode(Bool.self)
            try await connection.close()
            #expect(answer == true, "\(check.probe)")
        case .falkordb:
            let indexes = try await MigratedStores.shared.graphIndexes()
            #expect(indexes.contains(check.probe), "\(indexes.sorted())")
        }
    }
}

/// The stores the checks read, migrated once for the whole suite.
actor MigratedStores {
    static let shared = MigratedStores()
    private var directories: [Bool: String] = [:]
    private var postgresURL: String?
    private var indexes: Set<String>?

    /// A migrated embedded store; with a collection, one document and version 2 made by `apex vectors migrate`.
    func embedded(withCollection: Bool) async throws -> String {
        if let directory = directories[withCollection] { return directory }
        let directory = try SpecFixtures.temporaryDirectory()
        let migrate = try await ApexBinary.run(["migrate", "up", "--data", directory])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        if withCollection {
            let text = try SpecFixtures.writeTemporaryFile(["Tractor 6635 has a cracked windshield."], name: "note.txt")
            let add = try await ApexBinary.run(["documents", "add", text, "--metadata", #"{"part":"a"}"#, "--data", directory])
            #expect(add.status == 0, "\(add.stderr)")
            let move = try await ApexBinary.run(["vectors", "migrate", "--to", "m=24,ef_construction=100,payload_indexes=part", "--data", directory])
            #expect(move.status == 0, "\(move.stderr)")
        }
        directories[withCollection] = directory
        return directory
    }

    func postgres() async throws -> String {
        if let postgresURL { return postgresURL }
        let url = try await PostgresTestServer.shared.freshDatabase()
        postgresURL = url
        return url
    }

    /// `ENTITY LABEL PROPERTY KIND` of every index of a freshly migrated graph.
    func graphIndexes() async throws -> Set<String> {
        if let indexes { return indexes }
        let url = try FalkorDBTestServer.freshGraphURL(prefix: "checks")
        let graph = try await FalkorDBStore.connect(url: url)
        let result = try await graph.query(
            CypherQuery("CALL db.indexes() YIELD label, properties, types, entitytype RETURN label, types, entitytype"), readOnly: true)
        try await graph.deleteGraph()
        await graph.shutdown()
        var found: Set<String> = []
        for row in result.rows where row.count == 3 {
            guard let label = row[0].string, let entity = row[2].string, case .map(let types) = row[1] else { continue }
            for (property, kinds) in types {
                guard case .list(let list) = kinds else { continue }
                for kind in list.compactMap(\.string) { found.insert("\(entity) \(label) \(property) \(kind)") }
            }
        }
        indexes = found
        return found
    }
}
