import Foundation
import Logging
import PostgresNIO

/// A schema made for one run (a benchmark) in an existing database, and dropped with everything in it afterwards.
///
/// Its name is made here (`apex_bench_` and a random suffix); nothing in it
/// comes from outside, which is what lets it appear in DDL, where PostgreSQL
/// takes no parameters.
public struct PostgresScratchSchema: Sendable {
    public let name: String
    /// The database URL with `schema=` set to this schema.
    public let url: String
    private let store: PostgresStore

    /// Creates the schema in the database at `url`.
    public static func create(in url: String, prefix: String = "apex_bench") async throws -> PostgresScratchSchema {
        let base = try PostgresURL(url)
        let name = prefix + "_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let store = try await PostgresStore.connect(url: url, migrate: false)
        guard PostgresURL.isIdentifier(name) else { throw PostgresStoreError.badURL(url: url, reason: "the prefix \(prefix) is not an identifier") }
        try await store.execute(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(name)"))
        return PostgresScratchSchema(name: name, url: base.with(schema: name), store: store)
    }

    /// The bytes its tables and indexes take on disk.
    public func sizeBytes() async throws -> Int {
        let rows = try await store.rows(
            """
            SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(name) AND c.relkind IN ('r', 'm')
            """)
        return Int(try rows.first?.decode(Int64.self) ?? 0)
    }

    /// Vacuums and analyses every table of the schema: what autovacuum does within a minute or so of a bulk load, done
    /// now so that a benchmark times the settled store (planner statistics, and a visibility map that lets index-only
    /// scans skip the heap) rather than the minute after its ingest.
    public func settle() async throws {
        let rows = try await store.rows("SELECT tablename::text FROM pg_tables WHERE schemaname = \(name) ORDER BY tablename")
        let tables = try rows.map { try $0.decode(String.self) }.filter(PostgresURL.isIdentifier)
        guard !tables.isEmpty else { return }
        try await store.execute(PostgresQuery(unsafeSQL: "VACUUM (ANALYZE) " + tables.map { "\(name).\($0)" }.joined(separator: ", ")))
    }

    /// Drops the schema and everything in it, and closes the connection.
    public func drop() async throws {
        try await store.execute(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"))
        await store.shutdown()
    }
}

extension PostgresStore {
    /// Runs one statement to its end on a pooled connection.
    func execute(_ query: PostgresQuery) async throws {
        _ = try await rows(query)
    }
}
