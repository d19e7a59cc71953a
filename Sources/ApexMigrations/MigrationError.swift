/// Why the migration runner stopped. Each case reads as one sentence.
public enum MigrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An applied migration's file no longer matches what was applied.
    case checksumMismatch(store: String, version: Int, name: String, applied: String, current: String)
    /// The store has a migration applied that this program does not know (a newer program applied it).
    case unknownAppliedVersion(store: String, version: Int, name: String)
    /// Two migrations in a list share a version, or a version is not positive.
    case invalidList(store: String, reason: String)
    /// `--to` names a version the list does not have.
    case unknownTarget(store: String, version: Int)
    /// A step failed; the store's own message is kept.
    case stepFailed(store: String, version: Int, name: String, direction: MigrationDirection, reason: String)

    public var description: String {
        switch self {
        case .checksumMismatch(let store, let version, let name, let applied, let current):
            "\(store) migration \(version) (\(name)) was changed after it was applied: checksum \(current.prefix(12)) differs from the applied \(applied.prefix(12)); restore the file or add a new migration"
        case .unknownAppliedVersion(let store, let version, let name):
            "\(store) has migration \(version) (\(name)) applied, which this version of apex does not know; use a newer apex"
        case .invalidList(let store, let reason):
            "the \(store) migration list is invalid: \(reason)"
        case .unknownTarget(let store, let version):
            "\(store) has no migration \(version) to migrate to"
        case .stepFailed(let store, let version, let name, let direction, let reason):
            "\(store) migration \(version) (\(name)) failed going \(direction.rawValue): \(reason)"
        }
    }
}
