import Logging
import PostgresNIO
import Synchronization

/// The connection pool with a bound on how long a caller waits for one of its connections.
///
/// The pool keeps retrying a server that went away and would let a caller
/// wait forever; the bound covers only the wait for a connection, never the
/// work done on it (an ingest may run for minutes).
struct ConnectionLease: Sendable {
    let client: PostgresClient
    let timeout: Duration

    /// Runs `body` on a pooled connection, giving up with ``PostgresStoreError/noConnection(seconds:)`` when none comes in time.
    func leased<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        let started = LeaseStarted()
        let (client, timeout) = (self.client, self.timeout)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    started.mark()
                    return try await body(connection)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                guard started.isMarked else { throw PostgresStoreError.noConnection(seconds: Int(timeout.components.seconds)) }
                return nil
            }
            while let next = try await group.next() {
                guard let value = next else { continue }
                group.cancelAll()
                return value
            }
            throw CancellationError()
        }
    }

    /// Runs `body` on one connection inside `BEGIN` ... `COMMIT`, rolling back when it throws.
    ///
    /// - Parameter begin: the statement that opens the transaction (e.g. with an isolation level).
    func inTransaction<Result: Sendable>(
        begin: PostgresQuery = "BEGIN", logger: Logger, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await leased { connection in
            try await connection.run(begin, logger: logger)
            do {
                let result = try await body(connection)
                try await connection.run("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.run("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}

/// Whether a lease got its connection: set once, read by the timer.
private final class LeaseStarted: Sendable {
    private let state = Mutex(false)

    func mark() { state.withLock { $0 = true } }
    var isMarked: Bool { state.withLock { $0 } }
}

extension PostgresConnection {
    /// Runs a statement to its end and returns its rows.
    ///
    /// A `query` whose rows are not read may return before the server has
    /// finished it, and an error would then surface only on a later statement
    /// (or never: `COMMIT` of a failed transaction just rolls back). Every
    /// statement of the store goes through here.
    @discardableResult
    func run(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}
