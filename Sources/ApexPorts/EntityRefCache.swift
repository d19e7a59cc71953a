public import ApexCore
import Synchronization

/// The type and key of entity ids the store has read, kept in memory so that a traversal's rows carry ids only.
///
/// An entity's id and natural key are fixed when the entity is first
/// stored and never change (no statement updates or deletes `entities`), so
/// an entry can never be stale, whichever process wrote since. Looking the
/// ends up per row costs a store (PostgreSQL, SQLite) more than the rest of a traversal level
/// (two index probes per fact); a warm cache makes that no probe at all.
/// Holds at most `capacity` ids (about 100 bytes each) and starts afresh when full.
public final class EntityRefCache: Sendable {
    private let refs = Mutex([EntityID: EntityRef]())
    private let capacity: Int

    public init(capacity: Int = 500_000) {
        self.capacity = capacity
    }

    /// The refs known for `ids`, and the ids not known (each once).
    public func lookUp(_ ids: some Sequence<EntityID>) -> (known: [EntityID: EntityRef], missing: [EntityID]) {
        refs.withLock { refs in
            var known: [EntityID: EntityRef] = [:]
            var missing: Set<EntityID> = []
            for id in ids where known[id] == nil {
                if let ref = refs[id] { known[id] = ref } else { missing.insert(id) }
            }
            return (known, Array(missing))
        }
    }

    /// Keeps the refs read from the store.
    public func remember(_ found: [EntityID: EntityRef]) {
        guard !found.isEmpty else { return }
        refs.withLock { refs in
            if refs.count + found.count > capacity { refs.removeAll(keepingCapacity: true) }
            refs.merge(found) { _, new in new }
        }
    }
}
