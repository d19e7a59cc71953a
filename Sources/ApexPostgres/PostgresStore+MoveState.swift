public import ApexCore
public import ApexPorts
import PostgresNIO

extension PostgresStore {
    public func moveState() async throws -> StoredMoveState? {
        try await rows("SELECT generation, state, updated_at FROM move_state WHERE id = 1").first.map { row in
            let (generation, state, updatedAt) = try row.decode((Int64, String, Int64).self)
            return StoredMoveState(generation: generation, state: state, updatedAt: Timestamp(microseconds: updatedAt))
        }
    }

    public func saveMoveState(_ state: String, expected: Int64, at: Timestamp) async throws -> Bool {
        let changed: [PostgresRow]
        if expected == 0 {
            changed = try await rows(
                """
                INSERT INTO move_state (id, generation, state, updated_at) VALUES (1, 1, \(state), \(at.microseconds))
                ON CONFLICT (id) DO NOTHING RETURNING generation
                """)
        } else {
            changed = try await rows(
                """
                UPDATE move_state SET generation = generation + 1, state = \(state), updated_at = \(at.microseconds)
                WHERE id = 1 AND generation = \(expected) RETURNING generation
                """)
        }
        return changed.count == 1
    }
}
