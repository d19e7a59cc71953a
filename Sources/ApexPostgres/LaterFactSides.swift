import ApexCore
import Synchronization

/// Which relations' facts a snapshot reads later facts for, on which side: those the stored ontology lets a later fact
/// supersede (by source, by target), from the ontology text the store last returned.
///
/// Two index probes per fact cost more than the rest of a snapshot of an
/// entity with a few dozen facts, and only bounded relations use them. The
/// store learns the sides from the ontology each snapshot returns; a snapshot
/// read under sides learned from another text is read again (only after an
/// ontology change), so that every fact of a bounded relation has its later facts.
final class LaterFactSides: Sendable {
    /// The sides under one ontology text.
    struct Known: Sendable, Equatable {
        let source: String
        let bySource: [String]
        let byTarget: [String]

        /// Whether the snapshot read later facts for `relation` on some side.
        func reads(_ relation: String) -> Bool { bySource.contains(relation) || byTarget.contains(relation) }
    }

    private let known = Mutex<Known?>(nil)

    /// The sides last learned, or nil before the first ontology (read every side then).
    var current: Known? { known.withLock { $0 } }

    /// The sides under `source` (kept for the next snapshot), or nil when it does not load (read every side).
    func learn(_ source: String) -> Known? {
        if let current, current.source == source { return current }
        guard let ontology = try? OntologyLoader.load(source) else { return nil }
        let cardinalities = ontology.supersedingCardinalities
        let learned = Known(
            source: source, bySource: cardinalities.filter { $0.value.supersedesBySource }.keys.sorted(),
            byTarget: cardinalities.filter { $0.value.supersedesByTarget }.keys.sorted())
        known.withLock { $0 = learned }
        return learned
    }
}
