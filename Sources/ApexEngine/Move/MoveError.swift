public import ApexCore

/// Why a phase of `apex move` refused to run. Each reads as one sentence.
public enum MoveError: Error, Equatable, CustomStringConvertible {
    case noMove
    case alreadyMoving(phase: MovePhase)
    case wrongPhase(command: String, phase: MovePhase, needs: String)
    case noTarget
    case targetIsSource
    case targetNotEmpty
    case backfillNotDone
    case notVerified(reason: String)
    case badReadPercent(Int)
    case changedMeanwhile
    case unreadableState
    case documentsFrozen(phase: MovePhase)
    case moveOver(phase: MovePhase)
    case sourceMovedAway(target: String)
    case unknownEntity(ref: EntityRef)
    case phaseChanged(from: MovePhase, to: MovePhase)
    case idClash(ref: EntityRef)

    public var description: String {
        switch self {
        case .noMove: "no move has been started over these stores: run apex move start first"
        case .alreadyMoving(let phase): "a move is already under way (phase \(phase.rawValue)): finish it or roll it back before starting another"
        case .wrongPhase(let command, let phase, let needs): "apex move \(command) cannot run in phase \(phase.rawValue): it needs \(needs)"
        case .noTarget: "apex move start needs the target's records: give --to-data or --to-database-url (and --to-graph-url for its graph)"
        case .targetIsSource: "the target is the configured store itself: give other stores to move to"
        case .targetNotEmpty: "the target already holds a memory: move into empty stores"
        case .backfillNotDone: "the backfill has not finished: run apex move backfill until it reports done"
        case .notVerified(let reason): "the move is not verified (\(reason)): run apex move verify until both sides agree"
        case .badReadPercent(let percent): "--read-percent \(percent) is not between 0 and 100"
        case .changedMeanwhile: "another apex changed the move meanwhile: run the command again"
        case .unreadableState: "the stored move state cannot be read (written by a newer apex?)"
        case .moveOver(let phase): "the move is over (phase \(phase.rawValue)): start a new one with apex move start"
        case .sourceMovedAway(let target):
            "this memory was moved to \(target) (apex move finish): these stores are no longer its truth; run apex with the target's options"
        case .phaseChanged(let from, let to):
            "the move went from \(from.rawValue) to \(to.rawValue) during the backfill, which stops here (what it copied stays)"
        case .unknownEntity(let ref): "a copied row names \(ref), whose id the copy does not carry"
        case .idClash(let ref): "\(ref) has another id on the target than on the source: the target was written outside the move"
        case .documentsFrozen(.finished):
            "the memory was moved (apex move finish): restart apex with the target's options to add, remove or migrate documents"
        case .documentsFrozen(let phase):
            "documents and their vectors cannot be added, removed or migrated while a move is under way (phase \(phase.rawValue)): finish the move or roll it back first"
        }
    }
}
