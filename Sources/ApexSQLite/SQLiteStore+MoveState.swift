public import ApexCore
public import ApexPorts
import GRDB

extension SQLiteStore {
    public func moveState() async throws -> StoredMoveState? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT generation, state, updated_at FROM move_state WHERE id = 1").map { row in
                StoredMoveState(generation: row[0], state: row[1], updatedAt: Timestamp(microseconds: row[2]))
            }
        }
    }

    public func saveMoveState(_ state: String, expected: Int64, at: Timestamp) async throws -> Bool {
        try await pool.write { db in
            if expected == 0 {
                try db.execute(
                    sql: "INSERT INTO move_state (id, generation, state, updated_at) VALUES (1, 1, ?, ?) ON CONFLICT (id) DO NOTHING",
                    arguments: [state, at.microseconds])
            } else {
                try db.execute(
                    sql: "UPDATE move_state SET generation = generation + 1, state = ?, updated_at = ? WHERE id = 1 AND generation = ?",
                    arguments: [state, at.microseconds, expected])
            }
            return db.changesCount == 1
        }
    }
}
