import ApexCore
import ApexPorts

/// Whether two stores answered the same about one entity, whatever order each returned its rows in.
enum SnapshotComparison {
    static func same(_ a: EntitySnapshot, _ b: EntitySnapshot) -> Bool {
        a.entity == b.entity && a.ontologySource == b.ontologySource && versions(a) == versions(b) && facts(a) == facts(b) && ends(a) == ends(b)
    }

    /// What differs, in a few words, for the log.
    static func difference(_ expected: EntitySnapshot, _ answered: EntitySnapshot) -> String {
        if expected.entity != answered.entity { return "the entity is \(answered.entity.map { "\($0.id)" } ?? "missing") on the target" }
        if versions(expected) != versions(answered) {
            return "\(expected.versions.count) property versions on the source, \(answered.versions.count) on the target"
        }
        if facts(expected) != facts(answered) { return "\(expected.facts.count) facts on the source, \(answered.facts.count) on the target" }
        if ends(expected) != ends(answered) { return "\(expected.ends.count) ends on the source, \(answered.ends.count) on the target" }
        return "the ontologies differ"
    }

    static func versions(_ snapshot: EntitySnapshot) -> [PropertyVersion] {
        snapshot.versions.sorted { ($0.property, $0.validAt, $0.recordedAt) < ($1.property, $1.validAt, $1.recordedAt) }
    }

    /// The facts without ``FactVersion/later``, a lookup some stores add and others do not.
    static func facts(_ snapshot: EntitySnapshot) -> [FactVersion] {
        snapshot.facts.map { fact in
            var plain = fact
            plain.later = nil
            return plain
        }.sorted { ($0.from.id, $0.relation, $0.validAt, $0.to.id, $0.recordedAt) < ($1.from.id, $1.relation, $1.validAt, $1.to.id, $1.recordedAt) }
    }

    static func ends(_ snapshot: EntitySnapshot) -> [FactEnd] {
        snapshot.ends.sorted { ($0.from, $0.relation, $0.to, $0.invalidAt, $0.recordedAt) < ($1.from, $1.relation, $1.to, $1.invalidAt, $1.recordedAt) }
    }
}
