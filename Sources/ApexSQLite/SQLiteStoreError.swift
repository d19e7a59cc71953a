/// Why the embedded store could not do what was asked. Each case reads as one sentence.
public enum SQLiteStoreError: Error, Sendable, CustomStringConvertible {
    case cannotCreateDirectory(path: String, reason: String)
    case cannotOpen(path: String, reason: String)
    case corruptRow(reason: String)
    case backupFailed(path: String, reason: String)
    case notABackup(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason): "cannot create the data directory \(path): \(reason)"
        case .cannotOpen(let path, let reason): "cannot open the store \(path): \(reason)"
        case .corruptRow(let reason): "the store holds a damaged row: \(reason)"
        case .backupFailed(let path, let reason): "cannot back up to \(path): \(reason)"
        case .notABackup(let path, let reason): "\(path) is not a backup of the embedded store: \(reason)"
        }
    }
}
