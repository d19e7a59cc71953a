import ApexCore
import ApexEngine
import ApexPorts
import Testing

/// The bytes of a cache entry read back as the snapshot that was written, and damaged bytes as an error, never a crash.
@Suite struct SnapshotCodecTests {
    let ship = EntityHandle(id: EntityID(high: 1, low: 2), ref: EntityRef(type: "Tractor", key: "66\u{0001}35 \"é\""))
    let driver = EntityHandle(id: EntityID(high: 3, low: 4), ref: EntityRef(type: "Driver", key: "D-17"))

    func sample() -> EntitySnapshot {
        EntitySnapshot(
            ontologySource: "ontology", entity: ship,
            versions: [
                PropertyVersion(property: "status", validAt: Timestamp(microseconds: 10), recordedAt: Timestamp(microseconds: 11), value: "\"ok\""),
                PropertyVersion(property: "status", validAt: Timestamp(microseconds: 20), recordedAt: Timestamp(microseconds: 21), value: nil),
            ],
            facts: [
                FactVersion(
                    relation: "ASSIGNED_TO", from: driver, to: ship, validAt: Timestamp(microseconds: -5), invalidAt: nil,
                    recordedAt: Timestamp(microseconds: 7), fact: "Robert drives 🚚", later: LaterFacts(fromSource: Timestamp(microseconds: 99), toTarget: nil)),
                FactVersion(
                    relation: "ASSIGNED_TO", from: driver, to: ship, validAt: Timestamp(microseconds: 1), invalidAt: Timestamp(microseconds: 2),
                    recordedAt: Timestamp(microseconds: 3), fact: nil, later: nil),
            ],
            ends: [FactEnd(relation: "ASSIGNED_TO", from: driver.id, to: ship.id, invalidAt: Timestamp(microseconds: 50), recordedAt: Timestamp(microseconds: 51))],
            seesEveryRow: true)
    }

    @Test func roundTrips() throws {
        let header = SnapshotCodec.Header(ontologyHash: 42, knownAt: Timestamp(microseconds: 1234), seesEveryRow: true)
        let bytes = SnapshotCodec.encode(sample(), header: header)
        let (read, snapshot) = try SnapshotCodec.decode(bytes, ontologySource: "ontology")
        #expect(read == header)
        #expect(snapshot.entity == ship)
        #expect(snapshot.versions == sample().versions)
        #expect(snapshot.facts == sample().facts)
        #expect(snapshot.ends == sample().ends)
        #expect(snapshot.seesEveryRow)
    }

    @Test func damagedBytesAreAnError() {
        let bytes = SnapshotCodec.encode(sample(), header: SnapshotCodec.Header(ontologyHash: 1, knownAt: Timestamp(microseconds: 0), seesEveryRow: false))
        for cut in [0, 1, 9, bytes.count / 2, bytes.count - 1] {
            #expect(throws: SnapshotCodec.Damaged.self) { try SnapshotCodec.decode(Array(bytes.prefix(cut)), ontologySource: nil) }
        }
        var wrongLayout = bytes
        wrongLayout[0] = 99
        #expect(throws: SnapshotCodec.Damaged.self) { try SnapshotCodec.decode(wrongLayout, ontologySource: nil) }
        var hugeLength = bytes
        // After the layout byte, the header (17 bytes), the entity flag and its id (16 bytes): the length of its type.
        for index in 35..<43 { hugeLength[index] = 0xFF }
        #expect(throws: SnapshotCodec.Damaged.self) { try SnapshotCodec.decode(hugeLength, ontologySource: nil) }
        #expect(throws: SnapshotCodec.Damaged.self) { try SnapshotCodec.decode(bytes + [0], ontologySource: nil) }
    }
}
