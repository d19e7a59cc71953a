import ApexCore
import Foundation
import GRDB

/// `apex backup` and `apex restore` on the embedded store: SQLite's online backup API, one consistent copy while writers go on.
extension SQLiteStore {
    /// Copies the whole database, as it is at one moment, into a new SQLite file at `path`.
    ///
    /// Writers are not stopped: the backup API copies pages and restarts when a
    /// write lands meanwhile, so the copy is one committed state.
    public func backup(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw SQLiteStoreError.backupFailed(path: path, reason: "a file is already there") }
        do {
            let destination = try DatabaseQueue(path: path)
            try pool.backup(to: destination)
            try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try destination.close()
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw SQLiteStoreError.backupFailed(path: path, reason: "\(error)")
        }
    }

    /// Restores a backup file as the store of `directory`, which must not hold one: the file is checked (SQLite's
    /// integrity check, apex's schema history), copied beside it and moved into place, so a failure leaves nothing.
    ///
    /// - Returns: the number of entities the backup holds.
    public static func restore(backup path: String, into directory: String) throws -> Int {
        let target = (directory as NSString).appendingPathComponent(fileName)
        guard !FileManager.default.fileExists(atPath: target) else {
            throw SQLiteStoreError.cannotOpen(path: target, reason: "a store is already there; restore into a new data directory")
        }
        let entities = try check(backup: path)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let partial = target + ".restoring"
            try? FileManager.default.removeItem(atPath: partial)
            try FileManager.default.copyItem(atPath: path, toPath: partial)
            // A backup taken during a move carries the move's state: the restored copy is a memory of its own, which
            // must not follow (and write to) that move's target.
            let restored = try DatabaseQueue(path: partial)
            try restored.write { db in
                if try db.tableExists("move_state") { try db.execute(sql: "DELETE FROM move_state") }
            }
            try restored.close()
            try FileManager.default.moveItem(atPath: partial, toPath: target)
        } catch {
            throw SQLiteStoreError.cannotOpen(path: target, reason: "the backup could not be copied there: \(error.localizedDescription)")
        }
        return entities
    }

    /// Opens the file read-only and checks it is a sound apex store; returns how many entities it holds.
    static func check(backup path: String) throws -> Int {
        guard FileManager.default.isReadableFile(atPath: path) else { throw SQLiteStoreError.notABackup(path: path, reason: "no such readable file") }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard integrity == ["ok"] else { throw SQLiteStoreError.notABackup(path: path, reason: "SQLite's integrity check failed (\(integrity.prefix(3).joined(separator: "; ")))") }
                guard try db.tableExists("apex_schema_history"), try db.tableExists("entities") else {
                    throw SQLiteStoreError.notABackup(path: path, reason: "it has no apex schema")
                }
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM entities") ?? 0
            }
        } catch let error as SQLiteStoreError {
            throw error
        } catch {
            throw SQLiteStoreError.notABackup(path: path, reason: "\(error)")
        }
    }
}
