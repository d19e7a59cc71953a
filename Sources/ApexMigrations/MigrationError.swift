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
    /// `baseline` on a store that already records applied migrations.
    case baselineOverHistory(store: String)
    /// `baseline` on a store whose live schema lacks (or defines otherwise) what the migrations declare.
    case baselineSchemaDiffers(store: String, findings: [String])
    /// A step failed; the store's own message is kept.
    case stepFailed(store: String, version: Int, name: String, direction: MigrationDirection, reason: String)

    public var description: String {
        switch self {
        case .checksumMismatch(let store, let version, let name, let applied, let current):
            "\(store) migration \(version) (\(name)) was changed after it was applied: checksum \(current.prefix(12)) differs from the applied \(applied.prefix(12)); restore the file or add a new migration"
        case .unknownAppliedVersion(let store, let version, let name) where version >= MigrationFile.firstVersion:
            "\(store) has the deployment's migration \(version) (\(name)) applied, but no such file was given: point --migrations (or APEX_MIGRATIONS) at the directory that holds it"
        case .unknownAppliedVersion(let store, let version, let name):
            "\(store) has migration \(version) (\(name)) applied, which this version of apex does not know; use a newer apex"
        case .baselineOverHistory(let store):
            "the \(store) store already has a schema history; baseline is only for a store whose schema was made without apex migrate"
        case .baselineSchemaDiffers(let store, let findings):
            "the \(store) store's schema is not what the migrations declare, so it cannot be baselined: \(findings.prefix(3).joined(separator: "; "))"
                + (findings.count > 3 ? " (and \(findings.count - 3) more: see apex schema audit)" : "")
        case .invalidList(let store, let reason):
            "the \(store) migration list is invalid: \(reason)"
        case .unknownTarget(let store, let version):
            "\(store) has no migration \(version) to migrate to"
        case .stepFailed(let store, let version, let name, let direction, let reason):
            "\(store) migration \(version) (\(name)) failed going \(direction.rawValue): \(reason)"
        }
    }
}
