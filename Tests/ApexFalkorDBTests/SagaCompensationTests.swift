import ApexCore
import ApexEngine
@testable import ApexFalkorDB
import ApexPorts
import ApexTesting
import Testing

/// A saga that wrote the graph and not the record store (SQLite or PostgreSQL) is undone on FalkorDB: the graph is as it was before it.
@Suite struct SagaCompensationTests {
    typealias F = SpecFixtures

    static let before = SagaFixtures.before

    /// The saga fixture, plus a fact written again (its edge exists: not the saga's to remove) and one without `recorded_at`.
    static let saga =
        SagaFixtures.write + [
            F.fact("KNOWS", from: ("Driver", "D-1"), to: ("Driver", "D-2"), validAt: "2025-01-11T00:00:00Z", recordedAt: "2025-01-11T00:00:00Z"),
            F.fact("KNOWS", from: ("Driver", "D-3"), to: ("Driver", "D-2"), validAt: "2025-02-04T00:00:00Z"),
        ]

    @Test(arguments: FalkorDBConformanceTests.Records.allCases)
    func compensatingASagaLeavesTheGraphAsBefore(_ kind: FalkorDBConformanceTests.Records) async throws {
        try await OpenedStores.using { opened in
            let records = try await FalkorDBConformanceTests.records(kind, opened: opened)
            let graph = try await FalkorDBTestServer.freshStore(opened)
            let composed = ComposedStore(records: records, graph: graph)
            let memory = MemoryService(store: composed, clock: { F.now })
            try await memory.ingest(lines: Self.before)
            let ontology = try #require(try await memory.storedOntology()).ontology
            let untouched = try await Self.dump(graph)

            // The saga's graph step, with the ids the engine would mint; the record store never commits it.
            let ids = UUIDv7Generator()
            let text = Self.saga.joined(separator: "\n")
            let makeSource: @Sendable () throws -> any RecordSource = {
                JSONLinesSource(reader: ByteLineReader(bytes: Array(text.utf8)), ontology: ontology, ingestionTime: F.now, progress: nil)
            }
            var named: [EntityRef] = []
            let source = try makeSource()
            while let item = try source.next() { for ref in item.record.entityRefs where !named.contains(ref) { named.append(ref) } }
            let known = try await records.entityIDs(for: Set(named))
            let identities = EntityIdentities(
                known: known, new: named.filter { known[$0] == nil }.map { EntityHandle(id: ids.next(unixMilliseconds: 1_767_225_600_000), ref: $0) })
            let sagaID = ids.next(unixMilliseconds: 1_767_225_600_000)
            let request = IngestRequest(
                ontology: nil, ontologyInForce: ontology, identities: identities, ingestionTime: F.now, saga: sagaID, makeSource: makeSource)
            let entities = identities.handles.map { GraphEntity(handle: $0, properties: [("status", .string("in_repair"))]) }
            try await graph.ingest(request, entities: entities)
            let written = try await Self.dump(graph)
            #expect(written != untouched)
            // The saga's edges are in their ends' summaries (tagged, so hidden from readers until it commits).
            let everyone = Set(written.summaries.compactMap { $0.split(separator: " ").first.flatMap { EntityID(String($0)) } })
            #expect(written.summaries.count > untouched.summaries.count)
            #expect(try await graph.adjacencyDrift(around: everyone.union(identities.handles.map(\.id)), repair: false) == 0)
            #expect(written.nodes.count == untouched.nodes.count + 1)

            try await composed.compensate(saga: sagaID, named: identities.handles, ontology: ontology, now: F.now)
            #expect(try await Self.dump(graph) == untouched)
            // Again, as a second recoverer would: nothing changes.
            try await composed.compensate(saga: sagaID, named: identities.handles, ontology: ontology, now: F.now)
            #expect(try await Self.dump(graph) == untouched)
            let answer = try await memory.state(of: EntityRef(type: "Tractor", key: "6520"), at: F.time("2025-03-01T00:00:00Z"))
            #expect(answer.relations.map(\.from.ref.key) == ["D-1"])
        }
    }

    /// What the graph holds, without internal ids, embeddings or edge uuids (a refresh mints new ones), sorted.
    struct GraphDump: Equatable {
        var nodes: [String]
        var facts: [String]
        var ends: [String]
        var relatesTo: [String]
        /// Each adjacency summary's lines, sorted (their order is FalkorDB's).
        var summaries: [String]
    }

    static func dump(_ graph: FalkorDBStore) async throws -> GraphDump {
        func rows(_ text: String) async throws -> [String] {
            try await graph.query(CypherQuery(text), readOnly: true).rows.map { "\($0)" }.sorted()
        }
        return GraphDump(
            nodes: try await rows("MATCH (n:Entity) RETURN n.uuid, n.apex_type, n.apex_key, n.status, n.name, n.created_at"),
            facts: try await rows(
                "MATCH (a)-[f:APEX_FACT]->(b) RETURN a.uuid, b.uuid, f.relation, f.valid_at, f.recorded_at, f.invalid_at, f.fact, f.apex_saga"),
            ends: try await rows("MATCH (a)-[x:APEX_END]->(b) RETURN a.uuid, b.uuid, x.relation, x.invalid_at, x.recorded_at"),
            relatesTo: try await rows(
                "MATCH (a)-[e:RELATES_TO]->(b) RETURN a.uuid, b.uuid, e.name, e.valid_at, e.invalid_at, e.expired_at, e.fact, e.created_at"),
            summaries: try await graph.query(CypherQuery("MATCH (s:ApexAdjacency) RETURN s.uuid, s.summary"), readOnly: true).rows.map { row in
                "\(row.first?.string ?? "?") \((row.last?.string ?? "").split(separator: "\n").sorted())"
            }.sorted())
    }
}
