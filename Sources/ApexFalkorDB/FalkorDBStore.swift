public import ApexCore
public import ApexMigrations
public import ApexPorts
public import ApexRESP
import Foundation
public import Logging
import Synchronization

/// The graph store on FalkorDB: facts and ends as a Cypher graph in graphiti-core's layout (DESIGN.md, "Identity and time").
///
/// One FalkorDB graph per memory; its name is the graph key and the
/// `group_id` of everything apex writes. The graph holds two things:
/// - the raw bitemporal record of relations, which apex's answers come from:
///   `(:Entity)-[:APEX_FACT {relation, valid_at, recorded_at, invalid_at, fact, source}]->(:Entity)`
///   per fact version and `[:APEX_END {relation, invalid_at, recorded_at, source}]` per end record
///   (times as integer microseconds), with one `(:ApexAdjacency {uuid, summary})` node per entity listing its
///   edges, which traversals read instead of expanding them (``AdjacencyItem``);
/// - graphiti's view of it: `(:Entity:<Type> {uuid, name, group_id, summary, created_at, name_embedding, ...})`
///   nodes with the entity's current properties, and `[:RELATES_TO]` edges whose `expired_at` is
///   null for exactly the relation instances as known now (see ``RelatesToProjection``).
/// Every query goes through ``CypherQuery``: input only ever travels as parameters.
public struct FalkorDBStore: GraphWriter {
    public let client: RESPClient
    public let url: FalkorDBURL
    /// Embeds entity names and fact texts for `name_embedding` and `fact_embedding`.
    public let embedder: any Embedder
    let logger: Logger
    /// The sagas whose writes this store's reads leave out (``reading(as:)``); nil for the writer's view, which sees everything.
    var visibility: SagaVisibility?
    /// The deployment's own migrations (``MigrationFile``), run after apex's.
    var localMigrations: [Migration] = []
    /// The types and keys of the entity ids read so far (they never change); shared by the views ``reading(as:)`` makes.
    let entityRefs = EntityRefCache()

    /// The graph key, which is also the `group_id` of every node and edge.
    public var graph: String { url.graph }

    /// Connects (failing with one sentence when the server is unreachable or lacks the graph module), then migrates when asked.
    public static func connect(
        url text: String, migrate: Bool = true, localMigrations: [Migration] = [], embedder: any Embedder = FeatureHashingEmbedder(),
        connectTimeout: Duration = .seconds(5), commandTimeout: Duration = .seconds(10), logger: Logger = FalkorDBStore.defaultLogger
    ) async throws -> FalkorDBStore {
        let url = try FalkorDBURL(text)
        var configuration = RESPConfiguration(host: url.host, port: url.port)
        configuration.username = url.username
        configuration.password = url.password
        configuration.connectTimeout = connectTimeout
        configuration.commandTimeout = commandTimeout
        configuration.leaseTimeout = commandTimeout
        let client = RESPClient(configuration: configuration, logger: logger)
        var store = FalkorDBStore(client: client, url: url, embedder: embedder, logger: logger)
        store.localMigrations = localMigrations
        do {
            try await store.probe()
            if migrate { try await store.migrator.up() }
        } catch {
            await client.shutdown()
            throw error
        }
        return store
    }

    public init(client: RESPClient, url: FalkorDBURL, embedder: any Embedder, logger: Logger) {
        self.client = client
        self.url = url
        self.embedder = embedder
        self.logger = logger
    }

    /// Errors only: the store reports failures itself, as sentences.
    public static var defaultLogger: Logger {
        var logger = Logger(label: "apex.falkordb")
        logger.logLevel = .error
        return logger
    }

    /// Closes the connections. The store must not be used afterwards.
    public func shutdown() async {
        await client.shutdown()
    }

    /// Deletes the whole graph (a benchmark's scratch graph): every node, edge, index and the schema history.
    public func deleteGraph() async throws {
        _ = try await send(["GRAPH.DELETE", graph])
    }

    /// The URL of a scratch graph on the same server: `prefix_` and a random suffix, made here (nothing from outside).
    public static func scratchURL(beside url: String, prefix: String = "apex_bench") throws -> String {
        scratchURL(beside: try FalkorDBURL(url), prefix: prefix)
    }

    /// The URL of a scratch graph on the server of `base`.
    static func scratchURL(beside base: FalkorDBURL, prefix: String) -> String {
        let credentials = base.username.map { "\($0):\(base.password ?? "")@" } ?? base.password.map { ":\($0)@" } ?? ""
        return "falkordb://\(credentials)\(base.host):\(base.port)/\(prefix)_\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    }

    /// The migration runner for this graph's schema.
    public var migrator: MigrationRunner<FalkorDBMigrationTarget> {
        MigrationRunner(target: FalkorDBMigrationTarget(store: self), migrations: FalkorDBMigrations.all + localMigrations)
    }

    /// Checks that the server answers and has the graph module.
    func probe() async throws {
        _ = try await query(CypherQuery("RETURN 1"), readOnly: true)
    }

    // MARK: Queries

    /// Runs one query on the memory's graph and decodes its compact reply.
    ///
    /// - Parameter scalars: ask for FalkorDB's plain form, about half the frames of the compact one, for queries whose
    ///   columns are only text, integers and nulls (which that form tells apart); every other query uses the compact form.
    @discardableResult
    func query(_ query: CypherQuery, readOnly: Bool = false, scalars: Bool = false) async throws -> FalkorResult {
        do {
            var command = [readOnly ? "GRAPH.RO_QUERY" : "GRAPH.QUERY", graph, (readOnly ? visible(query) : query).rendered]
            if !scalars { command.append("--compact") }
            let reply = try await send(command)
            return try scalars ? FalkorResult(scalarReply: reply) : FalkorResult(reply: reply)
        } catch let error as FalkorDBStoreError where readOnly && error.isEmptyGraph {
            // A graph nothing was written to yet does not exist as a key: reading it finds nothing.
            return FalkorResult(columns: [], rows: [])
        }
    }

    /// A view of the store whose reads leave out the facts and ends of the sagas `visibility` hides (see ``visible(_:)``).
    public func reading(as visibility: SagaVisibility) -> any GraphWriter {
        var view = self
        view.visibility = visibility
        return view
    }

    /// The query with every fact and end filter (`v.recorded_at <= $known`, apex's own text) also requiring that the saga
    /// tagging the edge, if any, is visible: at or before the horizon and not hidden. Both travel as parameters.
    func visible(_ query: CypherQuery) -> CypherQuery {
        guard let visibility, let text = Self.visibleText(query.text) else { return query }
        return CypherQuery(
            text,
            query.parameters + [
                ("apex_horizon", visibility.horizon.map { .string($0.description) } ?? .null),
                ("apex_hidden", .list(visibility.hidden.sorted().map { .string($0.description) })),
            ])
    }

    /// The text of a query with the saga filter added to its fact and end filters, or nil when it has none; each text is
    /// rewritten once (they are apex's own, so few), since Foundation's search and replace cost a read more than parsing its reply.
    static func visibleText(_ text: String) -> String? {
        if let known = visibleTexts.withLock({ $0[text] }) { return known }
        var rewritten: String?
        if text.contains(".recorded_at <= $known") {
            var filtered = text
            for variable in ["f", "x", "n"] {
                filtered = filtered.replacingOccurrences(
                    of: "\(variable).recorded_at <= $known",
                    with: "\(variable).recorded_at <= $known AND (\(variable).apex_saga IS NULL OR (\(variable).apex_saga <= $apex_horizon AND NOT \(variable).apex_saga IN $apex_hidden))")
            }
            rewritten = filtered
        }
        visibleTexts.withLock { texts in
            if texts.count < 1_024 { texts[text] = .some(rewritten) }
        }
        return rewritten
    }

    /// ``visibleText(_:)``'s answers so far, by query text.
    private static let visibleTexts = Mutex<[String: String?]>([:])

    /// Sends one command, turning the client's errors into the store's sentences.
    func send(_ command: [String]) async throws -> RESPValue {
        do {
            return try await client.send(command)
        } catch let error as RESPError {
            if error.serverUnavailable { throw FalkorDBStoreError.unavailable(server: url.server, reason: "\(error)") }
            throw FalkorDBStoreError.queryFailed(server: url.server, reason: error.serverMessage ?? "\(error)")
        }
    }

    public func health() async -> StoreHealth {
        do {
            // A constant query: proves the server and its graph module answer, in the same time on any graph size.
            _ = try await query(CypherQuery("RETURN 1"), readOnly: true)
            return StoreHealth(name: "graph", kind: "falkordb", healthy: true, detail: "graph \(graph) at \(url.server)")
        } catch {
            return StoreHealth(name: "graph", kind: "falkordb", healthy: false, detail: "\(error)")
        }
    }
}
