/// A store's migration runner with its target type erased, so that `apex migrate` and the conformance suite drive any store's alike.
public struct AnyMigrationRunner: Sendable {
    /// The store's name for messages: `sqlite`, `postgres`...
    public let storeName: String
    public let status: @Sendable () async throws -> [MigrationStatus]
    public let up: @Sendable (_ to: Int?) async throws -> [MigrationStep]
    public let down: @Sendable (_ to: Int?) async throws -> [MigrationStep]
    public let plan: @Sendable (_ direction: MigrationDirection, _ to: Int?) async throws -> [PlannedStep]
    public let validate: @Sendable () async throws -> [MigrationStatus]
    /// Every known migration, in version order.
    public let migrations: [Migration]
    public let baseline: @Sendable (_ to: Int?, _ gaps: @escaping @Sendable ([Migration]) async throws -> [String]) async throws -> [MigrationStep]

    public init<Target: MigrationTarget>(_ runner: MigrationRunner<Target>) {
        storeName = runner.target.storeName
        status = { try await runner.status() }
        up = { try await runner.up(to: $0) }
        down = { try await runner.down(to: $0) }
        plan = { try await runner.plan($0, to: $1) }
        validate = { try await runner.validate() }
        migrations = runner.migrations
        baseline = { try await runner.baseline(to: $0, gaps: $1) }
    }
}
