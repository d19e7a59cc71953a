public import ApexCore

/// Where the state of `apex move` lives, so that every `apex` process over the same stores follows one move.
///
/// The record store of the configuration being moved away from keeps it: one
/// row, its state as JSON text, and a generation that grows with each change.
/// A change names the generation it read, and is refused when another process
/// changed the move meanwhile (compare and set), so two phases never race.
public protocol MoveStateStore: Sendable {
    /// The move's state, or nil when no move was ever started.
    func moveState() async throws -> StoredMoveState?

    /// Stores `state` as generation `expected + 1` when the stored generation is still `expected` (0: none stored yet);
    /// returns false, storing nothing, when it is not.
    func saveMoveState(_ state: String, expected: Int64, at: Timestamp) async throws -> Bool
}

/// The stored state of a move: its JSON text and generation.
public struct StoredMoveState: Sendable, Equatable {
    public var generation: Int64
    public var state: String
    public var updatedAt: Timestamp

    public init(generation: Int64, state: String, updatedAt: Timestamp) {
        self.generation = generation
        self.state = state
        self.updatedAt = updatedAt
    }
}
