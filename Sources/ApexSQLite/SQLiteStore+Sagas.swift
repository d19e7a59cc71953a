public import ApexCore
public import ApexPorts
import Foundation
import GRDB

extension SQLiteStore {
    public func beginSaga(_ saga: SagaEntry) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sagas (id, kind, state, steps_done, owner, lease_until, started_at, updated_at, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    saga.id.blob, saga.kind.rawValue, saga.state.rawValue, SagaSteps.encode(saga.stepsDone), saga.owner.description,
                    saga.leaseUntil.microseconds, saga.startedAt.microseconds, saga.updatedAt.microseconds, saga.detail,
                ])
        }
    }

    public func sagasInFlight() async throws -> [SagaEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sagas WHERE state IN ('running', 'compensating') ORDER BY started_at, id").map(Self.sagaEntry)
        }
    }

    public func sagaVisibility() async throws -> SagaVisibility {
        try await pool.read { db in try Self.sagaVisibility(db) }
    }

    /// The log's ``SagaVisibility`` in the caller's read transaction.
    static func sagaVisibility(_ db: Database) throws -> SagaVisibility {
        let horizon = try Data.fetchOne(db.cachedStatement(sql: "SELECT id FROM sagas ORDER BY id DESC LIMIT 1"))
        let hidden = try Data.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id FROM sagas
                    WHERE state IN ('running', 'compensating') AND instr(',' || steps_done || ',', ',records,') = 0
                    """))
        return SagaVisibility(hidden: Set(try hidden.map { try EntityID(blob: $0) }), horizon: try horizon.map { try EntityID(blob: $0) })
    }

    public func saga(_ id: EntityID) async throws -> SagaEntry? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM sagas WHERE id = ?", arguments: [id.blob]).map(Self.sagaEntry) }
    }

    public func claimSaga(_ id: EntityID, owner: SagaOwner, leaseUntil: Timestamp, now: Timestamp, goneOwner: SagaOwner?) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE sagas SET owner = ?, lease_until = ?, updated_at = ?
                    WHERE id = ? AND state IN ('running', 'compensating') AND (lease_until < ? OR owner = ?)
                    """,
                arguments: [owner.description, leaseUntil.microseconds, now.microseconds, id.blob, now.microseconds, goneOwner?.description])
            return db.changesCount == 1
        }
    }

    public func advanceSaga(_ id: EntityID, owner: SagaOwner, state: SagaState, stepsDone: [String], leaseUntil: Timestamp, at: Timestamp)
        async throws -> Bool
    {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE sagas SET state = ?, steps_done = ?, lease_until = ?, updated_at = ?
                    WHERE id = ? AND owner = ? AND state IN ('running', 'compensating')
                    """,
                arguments: [state.rawValue, SagaSteps.encode(stepsDone), leaseUntil.microseconds, at.microseconds, id.blob, owner.description])
            return db.changesCount == 1
        }
    }

    /// A `sagas` row as an entry; a row the log could not have written is a damaged-row error.
    static func sagaEntry(_ row: Row) throws -> SagaEntry {
        guard let idBlob: Data = row["id"], let kind = SagaKind(rawValue: row["kind"] ?? ""),
            let state = SagaState(rawValue: row["state"] ?? ""), let owner = SagaOwner(row["owner"] ?? ""),
            let steps = SagaSteps.decode(row["steps_done"] ?? "")
        else { throw SQLiteStoreError.corruptRow(reason: "a sagas row has an unreadable id, kind, state, owner or steps") }
        return SagaEntry(
            id: try EntityID(blob: idBlob), kind: kind, state: state, stepsDone: steps, owner: owner, leaseUntil: Timestamp(microseconds: row["lease_until"]),
            startedAt: Timestamp(microseconds: row["started_at"]), updatedAt: Timestamp(microseconds: row["updated_at"]), detail: row["detail"])
    }
}
