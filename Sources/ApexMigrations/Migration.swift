import Crypto

/// One versioned schema change of one store, with its way back down.
///
/// Migrations are the only way a store's tables, indexes and collections are
/// created or changed (DESIGN.md, "Schemas are migrations"). Each store keeps
/// its list in the repository; the checksum lets the runner notice when a file
/// that has already been applied was edited afterwards.
public struct Migration: Sendable, Equatable {
    /// Positive and unique within a store's list; applied in increasing order.
    public let version: Int
    /// A short snake_case description, e.g. `create_records`.
    public let name: String
    /// The statements that apply the change.
    public let up: String
    /// The statements that undo it.
    public let down: String
    /// Whether the target may wrap the step in a transaction (PostgreSQL's `CREATE INDEX CONCURRENTLY` may not).
    public let transactional: Bool

    public init(version: Int, name: String, up: String, down: String, transactional: Bool = true) {
        self.version = version
        self.name = name
        self.up = up
        self.down = down
        self.transactional = transactional
    }

    /// SHA-256 (lowercase hex) of the up and down statements together.
    public var checksum: String {
        let text = up + "\n-- down --\n" + down
        return SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// Which way a migration step runs.
public enum MigrationDirection: String, Sendable {
    case up, down
}

/// A row of a store's schema history table: a migration that is applied now.
public struct AppliedMigration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let checksum: String
    /// When it was applied, RFC 3339 UTC.
    public let appliedAt: String
    /// How long applying it took, in milliseconds.
    public let durationMilliseconds: Double

    public init(version: Int, name: String, checksum: String, appliedAt: String, durationMilliseconds: Double) {
        self.version = version
        self.name = name
        self.checksum = checksum
        self.appliedAt = appliedAt
        self.durationMilliseconds = durationMilliseconds
    }
}
