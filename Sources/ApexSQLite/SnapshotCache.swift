import ApexCore
import ApexPorts
import GRDB
import Synchronization

/// Keeps recent entity snapshots for queries that see every stored row (`known_at` at or after the newest `recorded_at`).
///
/// Such a query's snapshot does not depend on its `known_at`, so it can be
/// reused until the database changes. Changes are detected with SQLite's
/// `PRAGMA data_version` on a connection of its own, which moves whenever any
/// connection, in this process or another, commits: a hit is never stale.
/// The cache holds at most `capacity` stored rows (versions, facts and ends of
/// its snapshots together, a few tens of megabytes) and starts afresh when full.
final class SnapshotCache: Sendable {
    struct Key: Hashable {
        let ref: EntityRef
        let property: String?
        let includeFacts: Bool
    }

    private struct State {
        var dataVersion: Int64 = -1
        var watermark: Timestamp?
        var watermarkKnown = false
        var snapshots: [Key: EntitySnapshot] = [:]
        var rows = 0
    }

    private let watcher: DatabaseQueue
    private let state = Mutex(State())
    private let capacity: Int

    init(path: String, capacity: Int = 250_000) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        watcher = try DatabaseQueue(path: path, configuration: configuration)
        self.capacity = capacity
    }

    /// The current data version; drops every snapshot when it moved.
    func currentVersion() throws -> Int64 {
        let version = try watcher.inDatabase { db in
            try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
        }
        state.withLock { state in
            if state.dataVersion != version {
                state.dataVersion = version
                state.watermarkKnown = false
                state.watermark = nil
                state.snapshots.removeAll(keepingCapacity: true)
                state.rows = 0
            }
        }
        return version
    }

    /// The newest `recorded_at` at `version`, if already read.
    func watermark(at version: Int64) -> Timestamp?? {
        state.withLock { state in
            guard state.dataVersion == version, state.watermarkKnown else { return nil }
            return .some(state.watermark)
        }
    }

    func setWatermark(_ watermark: Timestamp?, at version: Int64) {
        state.withLock { state in
            guard state.dataVersion == version else { return }
            state.watermark = watermark
            state.watermarkKnown = true
        }
    }

    func snapshot(_ key: Key, at version: Int64) -> EntitySnapshot? {
        state.withLock { state in state.dataVersion == version ? state.snapshots[key] : nil }
    }

    func store(_ snapshot: EntitySnapshot, for key: Key, at version: Int64) {
        state.withLock { state in
            guard state.dataVersion == version else { return }
            let rows = 1 + snapshot.versions.count + snapshot.facts.count + snapshot.ends.count
            if state.rows + rows > capacity {
                state.snapshots.removeAll(keepingCapacity: true)
                state.rows = 0
            }
            if state.snapshots.updateValue(snapshot, forKey: key) == nil { state.rows += rows }
        }
    }
}
