/// A store whose schema the ``MigrationRunner`` manages.
///
/// Each adapter (SQLite, PostgreSQL, later the graph and vector stores)
/// implements these few primitives; the runner owns the ordering, checksum
/// and bookkeeping rules so that they are the same for every store.
public protocol MigrationTarget: Sendable {
    /// A name for messages: `sqlite`, `postgres`...
    var storeName: String { get }

    /// Creates the history table if it does not exist. It is the one object a target creates outside a migration.
    func prepareHistory() async throws

    /// The rows of the history table, in any order.
    func appliedMigrations() async throws -> [AppliedMigration]

    /// Runs one step and updates the history to match, atomically where the store allows.
    ///
    /// Going up, insert `record` with the time the statements took; going down, delete the row of `migration.version`.
    /// A target must make the step a no-op when the history already shows it done
    /// (another process got there first).
    func run(_ migration: Migration, direction: MigrationDirection, record: AppliedMigration) async throws

    /// The rows of the history table without creating it: empty when the store has none yet (a dry run writes nothing).
    func appliedMigrationsIfAny() async throws -> [AppliedMigration]

    /// The statements `run` sends for one step, in order, as the store will run them (a dry run prints them).
    func statements(of migration: Migration, direction: MigrationDirection) -> [String]

    /// Runs `body` while holding the store's migration lock, so that two runners never interleave.
    func withMigrationLock<Result: Sendable>(_ body: @Sendable () async throws -> Result) async throws -> Result
}

extension MigrationTarget {
    /// The step's text as one statement, for stores that send it whole.
    public func statements(of migration: Migration, direction: MigrationDirection) -> [String] {
        [direction == .up ? migration.up : migration.down]
    }
}
