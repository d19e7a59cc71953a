import Foundation

/// Applies, rolls back and reports a store's migrations (`apex migrate up|down|status`).
///
/// The runner is the same for every store; a ``MigrationTarget`` supplies the
/// store-specific primitives. It never re-applies a migration, refuses to run
/// when an applied migration's file has changed (checksum mismatch) or when
/// the store carries a migration it does not know, and holds the target's
/// lock for the whole run.
public struct MigrationRunner<Target: MigrationTarget>: Sendable {
    public let target: Target
    public let migrations: [Migration]

    public init(target: Target, migrations: [Migration]) {
        self.target = target
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Where every known (and every unknown applied) migration stands.
    public func status() async throws -> [MigrationStatus] {
        try validateList()
        try await target.prepareHistory()
        return MigrationPlanner.status(migrations: migrations, applied: try await target.appliedMigrations())
    }

    /// Whether every known migration is applied with a matching checksum.
    public func isUpToDate() async throws -> Bool {
        try await status().allSatisfy { $0.state == .applied }
    }

    /// Applies every pending migration up to `version` (all when nil), in order.
    @discardableResult
    public func up(to version: Int? = nil) async throws -> [MigrationStep] {
        try validateList()
        if let version, !migrations.contains(where: { $0.version == version }) {
            throw MigrationError.unknownTarget(store: target.storeName, version: version)
        }
        try await target.prepareHistory()
        return try await target.withMigrationLock { [self] in
            let applied = try await target.appliedMigrations()
            try MigrationPlanner.verify(migrations: migrations, applied: applied, store: target.storeName)
            let appliedVersions = Set(applied.map(\.version))
            let pending = migrations.filter { !appliedVersions.contains($0.version) && $0.version <= (version ?? Int.max) }
            var steps: [MigrationStep] = []
            for migration in pending {
                steps.append(try await run(migration, .up))
            }
            return steps
        }
    }

    /// Rolls back applied migrations above `version`, newest first; with nil, only the newest one.
    @discardableResult
    public func down(to version: Int? = nil) async throws -> [MigrationStep] {
        try validateList()
        if let version, version != 0, !migrations.contains(where: { $0.version == version }) {
            throw MigrationError.unknownTarget(store: target.storeName, version: version)
        }
        try await target.prepareHistory()
        return try await target.withMigrationLock { [self] in
            let applied = try await target.appliedMigrations()
            try MigrationPlanner.verify(migrations: migrations, applied: applied, store: target.storeName)
            let appliedVersions = applied.map(\.version).sorted(by: >)
            let floor = version ?? (appliedVersions.dropFirst().first ?? 0)
            var steps: [MigrationStep] = []
            for appliedVersion in appliedVersions where appliedVersion > floor {
                guard let migration = migrations.first(where: { $0.version == appliedVersion }) else { continue }
                steps.append(try await run(migration, .down))
            }
            return steps
        }
    }

    /// What ``up(to:)`` (or ``down(to:)``) would run, with each step's statements, without writing anything (not even the
    /// history table); refused as the real run would be when the history does not match the list.
    public func plan(_ direction: MigrationDirection, to version: Int? = nil) async throws -> [PlannedStep] {
        try validateList()
        if let version, version != 0 || direction == .up, !migrations.contains(where: { $0.version == version }) {
            throw MigrationError.unknownTarget(store: target.storeName, version: version)
        }
        let applied = try await target.appliedMigrationsIfAny()
        try MigrationPlanner.verify(migrations: migrations, applied: applied, store: target.storeName)
        let appliedVersions = Set(applied.map(\.version))
        let chosen: [Migration]
        switch direction {
        case .up:
            chosen = migrations.filter { !appliedVersions.contains($0.version) && $0.version <= (version ?? Int.max) }
        case .down:
            let newestFirst = appliedVersions.sorted(by: >)
            let floor = version ?? (newestFirst.dropFirst().first ?? 0)
            chosen = newestFirst.filter { $0 > floor }.compactMap { applied in migrations.first { $0.version == applied } }
        }
        return chosen.map { PlannedStep(version: $0.version, name: $0.name, direction: direction, statements: target.statements(of: $0, direction: direction)) }
    }

    /// Records every migration up to `version` (all when nil) as applied without running it, in a store whose schema was
    /// made otherwise (restored from a dump without its history, or by hand).
    ///
    /// Refused when the store already has a history, or when `gaps` (the objects those migrations declare that the live
    /// schema lacks or defines otherwise, one line each) finds any.
    @discardableResult
    public func baseline(to version: Int? = nil, gaps: @Sendable ([Migration]) async throws -> [String]) async throws -> [MigrationStep] {
        try validateList()
        if let version, !migrations.contains(where: { $0.version == version }) {
            throw MigrationError.unknownTarget(store: target.storeName, version: version)
        }
        let chosen = migrations.filter { $0.version <= (version ?? Int.max) }
        if !(try await target.appliedMigrationsIfAny()).isEmpty {
            throw MigrationError.baselineOverHistory(store: target.storeName)
        }
        let missing = try await gaps(chosen)
        if !missing.isEmpty { throw MigrationError.baselineSchemaDiffers(store: target.storeName, findings: missing) }
        try await target.prepareHistory()
        return try await target.withMigrationLock { [self] in
            guard try await target.appliedMigrations().isEmpty else { throw MigrationError.baselineOverHistory(store: target.storeName) }
            var steps: [MigrationStep] = []
            for migration in chosen {
                // Nothing to run: only the history row, with the real migration's checksum.
                let record = AppliedMigration(
                    version: migration.version, name: migration.name, checksum: migration.checksum, appliedAt: Self.now(), durationMilliseconds: 0)
                let empty = Migration(version: migration.version, name: migration.name, up: "", down: "")
                try await target.run(empty, direction: .up, record: record)
                steps.append(MigrationStep(version: migration.version, name: migration.name, direction: .up, durationMilliseconds: 0))
            }
            return steps
        }
    }

    /// Checks the history against the list (checksums, unknown versions) without applying anything.
    public func validate() async throws -> [MigrationStatus] {
        try validateList()
        let applied = try await target.appliedMigrationsIfAny()
        try MigrationPlanner.verify(migrations: migrations, applied: applied, store: target.storeName)
        return MigrationPlanner.status(migrations: migrations, applied: applied)
    }

    private func run(_ migration: Migration, _ direction: MigrationDirection) async throws -> MigrationStep {
        let clock = ContinuousClock()
        let start = clock.now
        let appliedAt = Self.now()
        do {
            // The target times the statements itself and writes that duration into the history row.
            let record = AppliedMigration(
                version: migration.version, name: migration.name, checksum: migration.checksum, appliedAt: appliedAt, durationMilliseconds: 0)
            try await target.run(migration, direction: direction, record: record)
        } catch let error as MigrationError {
            throw error
        } catch {
            throw MigrationError.stepFailed(
                store: target.storeName, version: migration.version, name: migration.name, direction: direction, reason: "\(error)")
        }
        let elapsed = clock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return MigrationStep(version: migration.version, name: migration.name, direction: direction, durationMilliseconds: milliseconds)
    }

    private func validateList() throws {
        var seen: Set<Int> = []
        for migration in migrations {
            guard migration.version > 0 else {
                throw MigrationError.invalidList(store: target.storeName, reason: "version \(migration.version) is not positive")
            }
            guard seen.insert(migration.version).inserted else {
                throw MigrationError.invalidList(store: target.storeName, reason: "version \(migration.version) appears twice")
            }
        }
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}

/// One step a dry run would take, with the statements it would send.
public struct PlannedStep: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let direction: MigrationDirection
    public let statements: [String]
}

/// One migration the runner ran, and how long it took.
public struct MigrationStep: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let direction: MigrationDirection
    public let durationMilliseconds: Double
}

/// Where one migration stands in a store.
public struct MigrationStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Applied, and the file still matches.
        case applied
        /// Known, not applied.
        case pending
        /// Applied, but the file has changed since.
        case checksumMismatch = "checksum_mismatch"
        /// Applied, but this program has no such migration.
        case unknown
    }

    public let version: Int
    public let name: String
    public let state: State
    public let applied: AppliedMigration?
}

/// The pure rules behind the runner: status and verification from the list and the history.
public enum MigrationPlanner {
    public static func status(migrations: [Migration], applied: [AppliedMigration]) -> [MigrationStatus] {
        let byVersion = Dictionary(applied.map { ($0.version, $0) }, uniquingKeysWith: { a, _ in a })
        var rows = migrations.map { migration -> MigrationStatus in
            guard let row = byVersion[migration.version] else {
                return MigrationStatus(version: migration.version, name: migration.name, state: .pending, applied: nil)
            }
            let state: MigrationStatus.State = row.checksum == migration.checksum ? .applied : .checksumMismatch
            return MigrationStatus(version: migration.version, name: migration.name, state: state, applied: row)
        }
        let known = Set(migrations.map(\.version))
        for row in applied where !known.contains(row.version) {
            rows.append(MigrationStatus(version: row.version, name: row.name, state: .unknown, applied: row))
        }
        return rows.sorted { $0.version < $1.version }
    }

    /// Throws on the first applied migration whose checksum differs or that the list lacks.
    public static func verify(migrations: [Migration], applied: [AppliedMigration], store: String) throws(MigrationError) {
        for row in status(migrations: migrations, applied: applied) {
            switch row.state {
            case .checksumMismatch:
                let current = migrations.first(where: { $0.version == row.version })?.checksum ?? ""
                throw .checksumMismatch(store: store, version: row.version, name: row.name, applied: row.applied?.checksum ?? "", current: current)
            case .unknown:
                throw .unknownAppliedVersion(store: store, version: row.version, name: row.name)
            case .applied, .pending:
                continue
            }
        }
    }
}
