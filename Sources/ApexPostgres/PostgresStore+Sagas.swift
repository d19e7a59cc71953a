public import ApexCore
public import ApexPorts
import Foundation
import PostgresNIO

extension PostgresStore {
    public func beginSaga(_ saga: SagaEntry) async throws {
        _ = try await rows(
            """
            INSERT INTO sagas (id, kind, state, steps_done, owner, lease_until, started_at, updated_at, detail)
            VALUES (\(saga.id.uuid), \(saga.kind.rawValue), \(saga.state.rawValue), \(SagaSteps.encode(saga.stepsDone)),
                \(saga.owner.description), \(saga.leaseUntil.microseconds), \(saga.startedAt.microseconds), \(saga.updatedAt.microseconds),
                \(saga.detail))
            """)
    }

    public func sagasInFlight() async throws -> [SagaEntry] {
        try await rows(
            """
            SELECT id, kind, state, steps_done, owner, lease_until, started_at, updated_at, detail FROM sagas
            WHERE state IN ('running', 'compensating') ORDER BY started_at, id
            """
        ).map(Self.sagaEntry)
    }

    public func saga(_ id: EntityID) async throws -> SagaEntry? {
        try await rows(
            "SELECT id, kind, state, steps_done, owner, lease_until, started_at, updated_at, detail FROM sagas WHERE id = \(id.uuid)"
        ).first.map(Self.sagaEntry)
    }

    public func claimSaga(_ id: EntityID, owner: SagaOwner, leaseUntil: Timestamp, now: Timestamp, goneOwner: SagaOwner?) async throws -> Bool {
        try await !rows(
            """
            UPDATE sagas SET owner = \(owner.description), lease_until = \(leaseUntil.microseconds), updated_at = \(now.microseconds)
            WHERE id = \(id.uuid) AND state IN ('running', 'compensating')
                AND (lease_until < \(now.microseconds) OR owner = \(goneOwner?.description))
            RETURNING id
            """
        ).isEmpty
    }

    public func advanceSaga(_ id: EntityID, owner: SagaOwner, state: SagaState, stepsDone: [String], leaseUntil: Timestamp, at: Timestamp)
        async throws -> Bool
    {
        try await !rows(
            """
            UPDATE sagas SET state = \(state.rawValue), steps_done = \(SagaSteps.encode(stepsDone)), lease_until = \(leaseUntil.microseconds),
                updated_at = \(at.microseconds)
            WHERE id = \(id.uuid) AND owner = \(owner.description) AND state IN ('running', 'compensating')
            RETURNING id
            """
        ).isEmpty
    }

    /// A `sagas` row as an entry; a row the log could not have written is a damaged-row error.
    static func sagaEntry(_ row: PostgresRow) throws -> SagaEntry {
        let (id, kind, state, steps, owner, leaseUntil, startedAt, updatedAt, detail) = try row.decode(
            (UUID, String, String, String, String, Int64, Int64, Int64, String).self)
        guard let kind = SagaKind(rawValue: kind), let state = SagaState(rawValue: state), let owner = SagaOwner(owner),
            let steps = SagaSteps.decode(steps)
        else { throw PostgresStoreError.corruptRow(reason: "a sagas row has an unreadable kind, state, owner or steps") }
        return SagaEntry(
            id: EntityID(uuid: id), kind: kind, state: state, stepsDone: steps, owner: owner, leaseUntil: Timestamp(microseconds: leaseUntil),
            startedAt: Timestamp(microseconds: startedAt), updatedAt: Timestamp(microseconds: updatedAt), detail: detail)
    }
}
