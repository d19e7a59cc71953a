import ApexPorts

/// One order for dumped rows, whichever store read them: exports are the same bytes, and a verify compares like with like.
enum DumpOrder {
    static func sorted(_ versions: [DumpedVersion]) -> [DumpedVersion] {
        versions.sorted {
            ($0.entity, $0.version.property, $0.version.validAt, $0.version.recordedAt) < ($1.entity, $1.version.property, $1.version.validAt, $1.version.recordedAt)
        }
    }

    static func sorted(_ facts: [DumpedFact]) -> [DumpedFact] {
        facts.sorted {
            ($0.fact.from.id, $0.fact.relation, $0.fact.validAt, $0.fact.to.id, $0.fact.recordedAt, $0.source ?? "")
                < ($1.fact.from.id, $1.fact.relation, $1.fact.validAt, $1.fact.to.id, $1.fact.recordedAt, $1.source ?? "")
        }
    }

    static func sorted(_ ends: [DumpedEnd]) -> [DumpedEnd] {
        ends.sorted {
            ($0.end.from, $0.end.relation, $0.end.to, $0.end.invalidAt, $0.end.recordedAt, $0.source ?? "")
                < ($1.end.from, $1.end.relation, $1.end.to, $1.end.invalidAt, $1.end.recordedAt, $1.source ?? "")
        }
    }
}
