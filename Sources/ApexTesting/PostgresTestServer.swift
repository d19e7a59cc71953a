public import ApexFalkorDB
public import ApexPostgres
import Foundation
public import Logging
public import PostgresNIO

/// The real PostgreSQL server the tests run against, named by `APEX_TEST_DATABASE_URL` (`./scripts/test.sh` starts one).
///
/// Each test gets databases of its own: copies of a template database that
/// was migrated once, so that a fresh store costs a `CREATE DATABASE`, not a
/// schema build. Without the variable every test here fails, naming it: a
/// missing server is never a silent skip.
public actor PostgresTestServer {
    public static let shared = PostgresTestServer()

    /// The admin connection and the template, made once: the actor is reentrant, so concurrent first calls share this task.
    private var setup: Task<Setup, any Error>?
    private var counter = 0
    private let prefix = "apex_test_\(ProcessInfo.processInfo.processIdentifier)"

    struct Setup: Sendable {
        let admin: PostgresConnection
        let base: PostgresURL
        let template: String
    }

    enum SetupError: Error, CustomStringConvertible {
        case noServer
        var description: String {
            "APEX_TEST_DATABASE_URL is not set: run ./scripts/test.sh, which starts a throwaway PostgreSQL with pgvector and sets it"
        }
    }

    /// Opens a store for a test: the suites run many cases at once on two cores, when the server may take longer
    /// to answer than the 5 s a command allows.
    public static func store(_ url: String) async throws -> PostgresStore {
        try await PostgresStore.connect(url: url, connectTimeout: .seconds(30), leaseTimeout: .seconds(30))
    }

    /// The database copy under way, which the next waits for: one `CREATE DATABASE` at a time (each copies the
    /// template and checkpoints), so that a burst of them does not stall the server for the tests' other queries.
    private var creating: Task<Void, Never>?

    /// The URL of a new database: a copy of the migrated template, or, when `migrated` is false, one without any table.
    public func freshDatabase(migrated: Bool = true) async throws -> String {
        let previous = creating
        let (done, finish) = AsyncStream<Void>.makeStream()
        creating = Task { for await _ in done {} }
        defer { finish.finish() }
        await previous?.value
        let setup = try await prepared()
        counter += 1
        let name = "\(prefix)_\(counter)"
        let copy = migrated ? " TEMPLATE \(setup.template) STRATEGY FILE_COPY" : ""
        // The names are made here from the process id and a counter; nothing in them comes from outside.
        for attempt in 1...3 {
            do {
                _ = try await setup.admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)\(copy)"), logger: Self.logger).collect()
                break
            } catch where attempt < 3 && migrated && String(reflecting: error).contains("is being accessed by other users") {
                // An autovacuum worker on the template (a busy machine is slow to finish one) blocks the copy: end it.
                _ = try await setup.admin.query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(setup.template) AND pid <> pg_backend_pid()",
                    logger: Self.logger
                ).collect()
            }
        }
        return Self.url(setup.base, database: name)
    }

    private func prepared() async throws -> Setup {
        if let setup { return try await setup.value }
        let prefix = self.prefix
        let task = Task { () throws -> Setup in
            guard let text = ProcessInfo.processInfo.environment["APEX_TEST_DATABASE_URL"], !text.isEmpty else { throw SetupError.noServer }
            let base = try PostgresURL(text)
            let admin = try await PostgresConnection.connect(
                configuration: PostgresConnection.Configuration(
                    host: base.host, port: base.port, username: base.username, password: base.password, database: base.database, tls: .disable),
                id: 1, logger: Self.logger)
            let template = "\(prefix)_template"
            do {
                _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(template)"), logger: Self.logger).collect()
                let store = try await PostgresStore.connect(url: Self.url(base, database: template))
                await store.shutdown()
            } catch {
                try? await admin.closeGracefully()
                throw error
            }
            return Setup(admin: admin, base: base, template: template)
        }
        setup = task
        return try await task.value
    }

    public static let logger = Logger(label: "apex.tests.postgres")

    /// One plain connection to the database at `url`, for a test that must act beside the code under test (hold a lock...).
    public static func connect(_ url: String) async throws -> PostgresConnection {
        let url = try PostgresURL(url)
        return try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable),
            id: 2, logger: logger)
    }

    static func url(_ base: PostgresURL, database: String) -> String {
        let password = base.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        return "postgres://\(base.username)\(password)@\(base.host):\(base.port)/\(database)?sslmode=\(base.sslMode)"
    }
}

/// Stores a test opened, shut down when it ends, so that the server's connections are not used up.
public actor OpenedStores {
    private var stores: [PostgresStore] = []
    private var graphs: [FalkorDBStore] = []

    public init() {}

    public func add(_ store: PostgresStore) { stores.append(store) }

    public func add(_ store: FalkorDBStore) { graphs.append(store) }

    public func shutdownAll() async {
        for store in stores { await store.shutdown() }
        for graph in graphs { await graph.shutdown() }
        stores.removeAll()
        graphs.removeAll()
    }

    /// Runs `body` with a registry and shuts down what it opened, whether it throws or not.
    public static func using<T: Sendable>(_ body: (OpenedStores) async throws -> T) async throws -> T {
        let opened = OpenedStores()
        do {
            let result = try await body(opened)
            await opened.shutdownAll()
            return result
        } catch {
            await opened.shutdownAll()
            throw error
        }
    }
}
