public import ApexMigrations
import Foundation

/// Runs Cypher migrations on a FalkorDB graph, with `(:SchemaVersion)` nodes as the history.
///
/// History: one `(:SchemaVersion {version, name, checksum, applied_at, duration_ms})`
/// node per applied migration, in the memory's graph. Lock: a Redis key
/// `apex:migration-lock:GRAPH` set with `NX` and an expiry (renewed while a
/// run lasts), released only by the token that took it, so that two
/// `apex migrate up` apply each version once. FalkorDB has no transactions:
/// a step's statements run one by one, then its history node is written.
public struct FalkorDBMigrationTarget: MigrationTarget {
    let store: FalkorDBStore
    /// Told once when another process holds the lock and this one waits for it.
    public var onWait: @Sendable () -> Void = {}
    /// How long a waiter waits before giving up.
    public var lockWait: Duration = .seconds(600)
    /// The lock's expiry, renewed every third of it while the run lasts.
    static let lockLease = 30_000

    public init(store: FalkorDBStore) {
        self.store = store
    }

    public var storeName: String { "falkordb" }

    var lockKey: String { "apex:migration-lock:\(store.graph)" }

    public func prepareHistory() async throws {}

    /// Reading the history nodes writes nothing (a graph not yet written reads as empty).
    public func appliedMigrationsIfAny() async throws -> [AppliedMigration] {
        try await appliedMigrations()
    }

    public func appliedMigrations() async throws -> [AppliedMigration] {
        let result = try await store.query(
            CypherQuery("MATCH (v:SchemaVersion) RETURN v.version, v.name, v.checksum, v.applied_at, v.duration_ms"), readOnly: true)
        return try result.rows.map { row in
            guard row.count == 5, let version = row[0].integer, let name = row[1].string, let checksum = row[2].string else {
                throw FalkorDBStoreError.unexpectedReply(reason: "a SchemaVersion node lacks its version, name or checksum")
            }
            let duration: Double =
                switch row[4] {
                case .double(let value): value
                case .integer(let value): Double(value)
                default: 0
                }
            return AppliedMigration(version: Int(version), name: name, checksum: checksum, appliedAt: row[3].string ?? "", durationMilliseconds: duration)
        }
    }

    public func run(_ migration: Migration, direction: MigrationDirection, record: AppliedMigration) async throws {
        let done = try await appliedMigrations().contains { $0.version == migration.version }
        switch direction {
        case .up:
            guard !done else { return }
            let clock = ContinuousClock()
            let start = clock.now
            for statement in FalkorDBMigrations.statements(migration.up) { try await store.query(CypherQuery(statement)) }
            let elapsed = clock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            try await store.query(
                CypherQuery(
                    "CREATE (:SchemaVersion {version: $version, name: $name, checksum: $checksum, applied_at: $applied_at, duration_ms: $duration_ms})",
                    [
                        ("version", .integer(Int64(migration.version))), ("name", .string(migration.name)), ("checksum", .string(migration.checksum)),
                        ("applied_at", .string(record.appliedAt)), ("duration_ms", .double(milliseconds)),
                    ]))
        case .down:
            guard done else { return }
            for statement in FalkorDBMigrations.statements(migration.down) { try await store.query(CypherQuery(statement)) }
            try await store.query(CypherQuery("MATCH (v:SchemaVersion {version: $version}) DELETE v", [("version", .integer(Int64(migration.version)))]))
        }
    }

    public func withMigrationLock<Result: Sendable>(_ body: @Sendable () async throws -> Result) async throws -> Result {
        let token = UUID().uuidString
        let clock = ContinuousClock()
        let deadline = clock.now + lockWait
        var told = false
        while try await store.send(["SET", lockKey, token, "NX", "PX", String(Self.lockLease)]).isNull {
            if !told {
                onWait()
                told = true
            }
            guard clock.now < deadline else { throw FalkorDBStoreError.lockTimeout(graph: store.graph) }
            try await Task.sleep(for: .milliseconds(100))
        }
        let renewal = Task { [store, lockKey] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Self.lockLease / 3))
                guard !Task.isCancelled else { return }
                _ = try? await store.send(["EVAL", Self.renewScript, "1", lockKey, token, String(Self.lockLease)])
            }
        }
        defer { renewal.cancel() }
        do {
            let result = try await body()
            renewal.cancel()
            _ = try? await store.send(["EVAL", Self.releaseScript, "1", lockKey, token])
            return result
        } catch {
            renewal.cancel()
            _ = try? await store.send(["EVAL", Self.releaseScript, "1", lockKey, token])
            throw error
        }
    }

    /// Deletes the lock only when it is still this run's.
    static let releaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
    /// Extends the lock only when it is still this run's.
    static let renewScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
}
