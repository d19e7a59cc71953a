import ApexEngine
import ApexFalkorDB
import ApexPorts
import ApexPostgres
import ApexSQLite
import Foundation

/// The stores a benchmark runs on: the embedded store in its scratch directory, or a scratch PostgreSQL schema,
/// with the facts in a scratch FalkorDB graph when a graph server is given. Scratch places are removed by ``drop(keepGraph:)``.
struct BenchStores {
    let store: any TemporalStore
    let scratchSchema: PostgresScratchSchema?
    let graph: FalkorDBStore?
    /// `sqlite`, `postgres`, `sqlite+falkordb` or `postgres+falkordb`.
    let name: String

    static func open(directory: String, databaseURL: String?, graphURL: String?, log: (String) -> Void) async throws -> BenchStores {
        var scratch: PostgresScratchSchema?
        let records: any TemporalStore
        if let databaseURL {
            let schema = try await PostgresScratchSchema.create(in: databaseURL)
            scratch = schema
            log("using the scratch schema \(schema.name) in \(try PostgresURL(databaseURL))")
            records = try await CommandStores.shared.postgres(url: schema.url, migrate: true)
        } else {
            records = try await SQLiteStore.open(directory: (directory as NSString).appendingPathComponent("data"))
        }
        let recordsName = databaseURL == nil ? "sqlite" : "postgres"
        guard let graphURL else { return BenchStores(store: records, scratchSchema: scratch, graph: nil, name: recordsName) }
        let graph = try await CommandStores.shared.falkor(url: try FalkorDBStore.scratchURL(beside: graphURL), migrate: true)
        log("using the scratch graph \(graph.graph) at \(graph.url.server)")
        return BenchStores(store: ComposedStore(records: records, graph: graph), scratchSchema: scratch, graph: graph, name: recordsName + "+falkordb")
    }

    /// Brings a freshly loaded scratch schema to the state autovacuum leaves it in (``PostgresScratchSchema/settle()``).
    func settle(log: (String) -> Void) async throws {
        guard let scratchSchema else { return }
        let clock = ContinuousClock()
        let started = clock.now
        try await scratchSchema.settle()
        log(String(format: "vacuumed and analysed %@ in %.2f s, as autovacuum would after a bulk load", scratchSchema.name, (clock.now - started) / .seconds(1)))
    }

    /// Drops the scratch schema and deletes the scratch graph (unless kept).
    func drop(keepGraph: Bool = false) async throws {
        try await scratchSchema?.drop()
        if !keepGraph { try await graph?.deleteGraph() }
    }
}
