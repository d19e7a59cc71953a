import ApexCore
import ApexPorts
import Testing

/// The saga log, checked on any adapter: what a multi-store write's recovery relies on.
extension ConformanceSuite {
    static let sagaOwner = SagaOwner(host: "conformance", processID: 101)
    static let otherOwner = SagaOwner(host: "conformance", processID: 202)

    static func saga(_ id: UInt8, leaseUntil: String, owner: SagaOwner = sagaOwner) -> SagaEntry {
        SagaEntry(
            id: EntityID(high: 0x019a_0000_0000_7000, low: 0x8000_0000_0000_0000 | UInt64(id)), kind: .ingest, owner: owner,
            leaseUntil: SpecFixtures.time(leaseUntil), startedAt: SpecFixtures.time("2025-06-01T00:00:00Z"),
            detail: #"{"entities":["Tractor/6520"],"quote":"it's \"fine\""}"#)
    }

    static let sagaCases: [AdapterConformanceCase] = [
        AdapterConformanceCase("a saga is in flight, with its steps in order, until it is committed") { make in
            let log = try await make().store
            let begun = saga(1, leaseUntil: "2025-06-01T00:01:00Z")
            try await log.beginSaga(begun)
            #expect(try await log.sagasInFlight() == [begun])
            let at = SpecFixtures.time("2025-06-01T00:00:10Z")
            #expect(try await log.advanceSaga(begun.id, owner: sagaOwner, state: .running, stepsDone: ["records", "graph"], leaseUntil: at, at: at))
            let advanced = try #require(try await log.saga(begun.id))
            #expect(advanced.stepsDone == ["records", "graph"])
            #expect(advanced.detail == begun.detail)
            #expect(advanced.updatedAt == at)
            #expect(try await log.advanceSaga(begun.id, owner: sagaOwner, state: .committed, stepsDone: ["records", "graph"], leaseUntil: at, at: at))
            #expect(try await log.sagasInFlight().isEmpty)
            #expect(try await log.saga(begun.id)?.state == .committed)
            // A finished saga takes no more steps and cannot be taken over.
            #expect(try await !log.advanceSaga(begun.id, owner: sagaOwner, state: .running, stepsDone: [], leaseUntil: at, at: at))
            #expect(try await !log.claimSaga(begun.id, owner: otherOwner, leaseUntil: at, now: SpecFixtures.time("2026-01-01T00:00:00Z"), goneOwner: nil))
        },
        AdapterConformanceCase("of two recoverers of a saga whose lease ran out, exactly one takes it over") { make in
            let log = try await make().store
            let stale = saga(2, leaseUntil: "2025-06-01T00:01:00Z")
            try await log.beginSaga(stale)
            let now = SpecFixtures.time("2025-06-01T00:05:00Z")
            let until = SpecFixtures.time("2025-06-01T00:06:00Z")
            async let first = log.claimSaga(stale.id, owner: otherOwner, leaseUntil: until, now: now, goneOwner: nil)
            async let second = log.claimSaga(stale.id, owner: SagaOwner(host: "conformance", processID: 303), leaseUntil: until, now: now, goneOwner: nil)
            let claims = try await [first, second]
            #expect(claims.filter { $0 }.count == 1)
            // The former owner's steps are refused once the saga changed hands.
            #expect(try await !log.advanceSaga(stale.id, owner: sagaOwner, state: .committed, stepsDone: ["records"], leaseUntil: until, at: now))
            #expect(try await log.saga(stale.id)?.state == .running)
        },
        AdapterConformanceCase("a saga under a live lease is taken over only when its owner is known to be gone") { make in
            let log = try await make().store
            let live = saga(3, leaseUntil: "2025-06-01T00:10:00Z")
            try await log.beginSaga(live)
            let now = SpecFixtures.time("2025-06-01T00:02:00Z")
            let until = SpecFixtures.time("2025-06-01T00:12:00Z")
            #expect(try await !log.claimSaga(live.id, owner: otherOwner, leaseUntil: until, now: now, goneOwner: nil))
            #expect(try await !log.claimSaga(live.id, owner: otherOwner, leaseUntil: until, now: now, goneOwner: otherOwner))
            #expect(try await log.claimSaga(live.id, owner: otherOwner, leaseUntil: until, now: now, goneOwner: sagaOwner))
            let taken = try #require(try await log.saga(live.id))
            #expect(taken.owner == otherOwner)
            #expect(taken.leaseUntil == until)
            #expect(try await log.advanceSaga(live.id, owner: otherOwner, state: .compensating, stepsDone: [], leaseUntil: until, at: now))
            #expect(try await log.sagasInFlight().map(\.state) == [.compensating])
        },
    ]
}
