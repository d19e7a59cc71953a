import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` on one connection inside `BEGIN` ... `COMMIT`, rolling back when it throws.
    ///
    /// - Parameter begin: the statement that opens the transaction (e.g. with an isolation level).
    func inTransaction<Result: Sendable>(
        begin: PostgresQuery = "BEGIN", logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
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
