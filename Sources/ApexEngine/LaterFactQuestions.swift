import ApexCore
import ApexPorts

/// The batched question "which later fact could supersede this one" for facts or instances of bounded relations.
///
/// Each item asked gets a probe per side its cardinality bounds (the source
/// for `one_to_one` and `many_to_one`, the target for `one_to_one` and
/// `one_to_many`); ``answers(_:)`` turns the store's earliest valid times back
/// into each item's ``LaterFacts``.
struct LaterFactQuestions {
    private(set) var probes: [LaterFactProbe] = []
    private var asked: [(index: Int, cardinality: Cardinality, fromSource: Int?, toTarget: Int?)] = []

    /// Asks about item `index`: a fact of `relation` from `from` to `to`, valid from `after`.
    mutating func ask(index: Int, relation: String, cardinality: Cardinality, from: EntityID, to: EntityID, after: Timestamp) {
        var question: (index: Int, cardinality: Cardinality, fromSource: Int?, toTarget: Int?) = (index, cardinality, nil, nil)
        if cardinality.supersedesBySource {
            question.fromSource = probes.count
            probes.append(LaterFactProbe(relation: relation, side: .from, entity: from, after: after))
        }
        if cardinality.supersedesByTarget {
            question.toTarget = probes.count
            probes.append(LaterFactProbe(relation: relation, side: .to, entity: to, after: after))
        }
        asked.append(question)
    }

    /// Each item asked, with its cardinality and its later facts, from the store's answers to ``probes`` (in order).
    func answers(_ found: [Timestamp?]) -> [(index: Int, cardinality: Cardinality, later: LaterFacts)] {
        asked.map { question in
            let answer = { (probe: Int?) in probe.flatMap { $0 < found.count ? found[$0] : nil } }
            return (question.index, question.cardinality, LaterFacts(fromSource: answer(question.fromSource), toTarget: answer(question.toTarget)))
        }
    }
}
