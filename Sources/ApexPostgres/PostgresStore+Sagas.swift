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

    public func sagaVisibility() async throws -> SagaVisibility {
        guard let text = try await rows("SELECT \(unescaped: Self.sagaVisibilitySQL)").first?.decode(String.self) else {
            throw PostgresStoreError.corruptRow(reason: "the saga visibility query returned no row")
        }
        return try Self.sagaVisibility(fromJSON: text)
    }

    /// `[newest id or null, [ids of sagas in flight before their records step]]` as JSON text: one expression, so that a
    /// snapshot statement reads it in its own snapshot.
    static let sagaVisibilitySQL = """
        json_build_array((SELECT id FROM sagas ORDER BY id DESC LIMIT 1),
            (SELECT coalesce(json_agg(id), '[]') FROM sagas
             WHERE state IN ('running', 'compensating') AND position(',records,' in ',' || steps_done || ',') = 0))::text
        """

    static func sagaVisibility(fromJSON text: String) throws -> SagaVisibility {
        guard case .array(let parts) = (try? JSONParser.parse(text)) ?? .null, parts.count == 2, case .array(let hidden) = parts[1] else {
            throw PostgresStoreError.corruptRow(reason: "the saga visibility is not [horizon, [ids]]")
        }
        let ids = hidden.compactMap { $0.stringValue.flatMap { EntityID($0) } }
        guard ids.count == hidden.count else { throw PostgresStoreError.corruptRow(reason: "a saga id in the log is not a UUID") }
        return SagaVisibility(hidden: Set(ids), horizon: parts[0].stringValue.flatMap { EntityID($0) })
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
