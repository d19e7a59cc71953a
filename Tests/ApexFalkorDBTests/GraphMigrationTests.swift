import ApexCore
import ApexEngine
import ApexMigrations
import ApexTesting
import Foundation
import Synchronization
import Testing

@testable import ApexFalkorDB

/// The graph's Cypher migrations on a real FalkorDB: history as `(:SchemaVersion)` nodes, the indexes, down, checksums and the lock.
@Suite struct GraphMigrationTests {
    /// An unmigrated store on a fresh graph, shut down with `opened`.
    static func unmigrated(_ opened: OpenedStores, url: String? = nil) async throws -> FalkorDBStore {
        let store = try await FalkorDBStore.connect(url: try url ?? FalkorDBTestServer.freshGraphURL(prefix: "mig"), migrate: false)
        await opened.add(store)
        return store
    }

    /// The indexed properties of the graph, by label or relationship type.
    static func indexes(_ store: FalkorDBStore) async throws -> [String: Set<String>] {
        let result = try await store.query(
            CypherQuery("CALL db.indexes() YIELD label, properties RETURN label, properties"), readOnly: true)
        var indexes: [String: Set<String>] = [:]
        for row in result.rows {
            guard row.count == 2, let label = row[0].string, case .list(let properties) = row[1] else {
                Issue.record("an index row has no label and property list: \(row)")
                continue
            }
            indexes[label, default: []].formUnion(properties.compactMap(\.string))
        }
        return indexes
    }

    /// The properties version 1 indexes (graphiti-core's indexes) and those version 2 adds (apex's).
    static let graphitiIndexes: [String: Set<String>] = [
        "Entity": ["uuid", "group_id", "name", "created_at", "summary"],
        "Episodic": ["uuid", "group_id", "created_at", "valid_at", "content", "source", "source_description"],
        "Community": ["uuid", "name", "group_id"],
        "Saga": ["uuid", "group_id", "name"],
        "RELATES_TO": ["uuid", "group_id", "name", "created_at", "expired_at", "valid_at", "invalid_at", "fact"],
        "MENTIONS": ["uuid", "group_id"],
        "HAS_MEMBER": ["uuid"],
        "HAS_EPISODE": ["uuid", "group_id"],
        "NEXT_EPISODE": ["uuid", "group_id"],
    ]
    static let apexIndexes: [String: Set<String>] = [
        "Entity": ["apex_type", "apex_key"],
        "RELATES_TO": ["valid_at_us", "invalid_at_us", "created_at_us", "expired_at_us"],
        "ApexAdjacency": ["uuid"],
    ]

    /// The `(:SchemaVersion)` nodes as FalkorDB returns them, by version.
    static func history(_ store: FalkorDBStore) async throws -> [[FalkorValue]] {
        try await store.query(
            CypherQuery("MATCH (v:SchemaVersion) RETURN v.version, v.name, v.checksum, v.applied_at, v.duration_ms ORDER BY v.version"),
            readOnly: true
        ).rows
    }

    /// How many `(:SchemaVersion)` nodes each version has.
    static func versionCounts(_ store: FalkorDBStore) async throws -> [Int64: Int64] {
        let result = try await store.query(CypherQuery("MATCH (v:SchemaVersion) RETURN v.version, count(v)"), readOnly: true)
        var counts: [Int64: Int64] = [:]
        for row in result.rows {
            if let version = row.first?.integer, let count = row.last?.integer { counts[version] = count }
        }
        return counts
    }

    @Test func upWritesTypedHistoryNodesAndTheIndexesAndDownRemovesThem() async throws {
        try await OpenedStores.using { opened in
            let store = try await Self.unmigrated(opened)
            let migrator = store.migrator
            let fresh = try await migrator.status()
            #expect(fresh.map(\.version) == [1, 2, 3])
            #expect(fresh.map(\.name) == ["graphiti_indexes", "apex_indexes", "adjacency_summaries"])
            #expect(fresh.allSatisfy { $0.state == .pending && $0.applied == nil })
            #expect(try await Self.indexes(store).isEmpty)

            let steps = try await migrator.up()
            #expect(steps.map(\.version) == [1, 2, 3] && steps.allSatisfy { $0.direction == .up })
            let rows = try await Self.history(store)
            #expect(rows.count == 3)
            for (row, migration) in zip(rows, FalkorDBMigrations.all) {
                #expect(row.count == 5)
                guard row.count == 5 else { continue }
                #expect(row[0] == .integer(Int64(migration.version)), "version is an integer")
                #expect(row[1] == .string(migration.name), "name is the migration's name")
                #expect(row[2] == .string(migration.checksum), "checksum is the migration's SHA-256")
                #expect(migration.checksum.count == 64 && migration.checksum.allSatisfy(\.isHexDigit))
                let appliedAt = try #require(row[3].string, "applied_at is a string")
                #expect(Timestamp.parse(appliedAt) != nil, "applied_at \(appliedAt) is RFC 3339")
                guard case .double(let duration) = row[4] else {
                    Issue.record("duration_ms is not a double: \(row[4])")
                    continue
                }
                #expect(duration >= 0 && duration < 60_000)
            }
            let applied = try await migrator.status()
            #expect(applied.allSatisfy { $0.state == .applied })
            #expect(applied.map { $0.applied?.checksum } == FalkorDBMigrations.all.map(\.checksum))
            #expect(try await migrator.up().isEmpty, "a second up finds nothing to do")

            var wanted = Self.graphitiIndexes
            for (label, properties) in Self.apexIndexes { wanted[label, default: []].formUnion(properties) }
            let indexes = try await Self.indexes(store)
            for (label, properties) in wanted {
                #expect(indexes[label].map { $0.isSuperset(of: properties) } == true, "\(label) indexes \(indexes[label] ?? [])")
            }

            // Down one step: version 3's index goes.
            let three = try await migrator.down()
            #expect(three.map(\.version) == [3] && three.allSatisfy { $0.direction == .down })
            #expect(try await Self.versionCounts(store) == [1: 1, 2: 1])
            #expect(try await Self.indexes(store)["ApexAdjacency"] == nil)

            // Down another: version 2's indexes go, version 1's stay.
            let one = try await migrator.down()
            #expect(one.map(\.version) == [2] && one.allSatisfy { $0.direction == .down })
            #expect(try await Self.versionCounts(store) == [1: 1])
            let afterOne = try await Self.indexes(store)
            #expect(afterOne["Entity"]?.isDisjoint(with: Self.apexIndexes["Entity"] ?? []) == true, "\(afterOne["Entity"] ?? [])")
            #expect(afterOne["RELATES_TO"]?.isDisjoint(with: Self.apexIndexes["RELATES_TO"] ?? []) == true, "\(afterOne["RELATES_TO"] ?? [])")
            #expect(afterOne["Entity"].map { $0.isSuperset(of: Self.graphitiIndexes["Entity"] ?? []) } == true)

            // Down to 0: no history and no index left.
            let rest = try await migrator.down(to: 0)
            #expect(rest.map(\.version) == [1])
            #expect(try await Self.history(store).isEmpty)
            #expect(try await Self.indexes(store) == [:])
            #expect(try await migrator.status().allSatisfy { $0.state == .pending })
            #expect(try await migrator.down(to: 0).isEmpty)

            // Up again works, and leaves one history node per version.
            #expect(try await migrator.up().map(\.version) == [1, 2, 3])
            #expect(try await Self.versionCounts(store) == [1: 1, 2: 1, 3: 1])
            let again = try await Self.indexes(store)
            for (label, properties) in wanted {
                #expect(again[label].map { $0.isSuperset(of: properties) } == true, "\(label) after up again")
            }
        }
    }

    /// Version 3 builds from the edges already stored the same summaries apex's writes keep, and its down removes them.
    @Test func theAdjacencyMigrationBuildsWhatWritesKeep() async throws {
        try await OpenedStores.using { opened in
            let records = try await FalkorDBConformanceTests.records(.sqlite, opened: opened)
            let graph = try await FalkorDBTestServer.freshStore(opened)
            let memory = MemoryService(store: ComposedStore(records: records, graph: graph), clock: { SpecFixtures.now })
            try await memory.ingest(lines: SagaFixtures.before + SagaFixtures.write)
            let written = try await SagaCompensationTests.dump(graph).summaries
            #expect(written.count > 3, "\(written)")
            let ask = { try await memory.neighbors(of: EntityRef(type: "Driver", key: "D-1"), at: SpecFixtures.time("2025-03-01T00:00:00Z"), depth: 2) }
            let answer = try await ask()
            #expect(!answer.neighbors.isEmpty)

            #expect(try await graph.migrator.down().map(\.version) == [3])
            #expect(try await SagaCompensationTests.dump(graph).summaries.isEmpty)
            #expect(try await graph.migrator.up().map(\.version) == [3])
            #expect(try await SagaCompensationTests.dump(graph).summaries == written)
            #expect(try await ask() == answer)
        }
    }

    @Test func aTamperedChecksumIsRefusedByUpDownAndStatus() async throws {
        try await OpenedStores.using { opened in
            let url = try FalkorDBTestServer.freshGraphURL(prefix: "mig")
            let store = try await Self.unmigrated(opened, url: url)
            try await store.migrator.up()
            try await store.query(CypherQuery("MATCH (v:SchemaVersion {version: 1}) SET v.checksum = $checksum", [("checksum", .string("deadbeef"))]))
            let migration = FalkorDBMigrations.all[0]
            let expected = MigrationError.checksumMismatch(
                store: "falkordb", version: 1, name: migration.name, applied: "deadbeef", current: migration.checksum)
            await #expect(throws: expected) { try await store.migrator.up() }
            await #expect(throws: expected) { try await store.migrator.down() }
            let status = try await store.migrator.status()
            #expect(status.map(\.state) == [.checksumMismatch, .applied, .applied])
            #expect(try await store.migrator.isUpToDate() == false)
            // Nothing was applied or rolled back.
            #expect(try await Self.versionCounts(store) == [1: 1, 2: 1, 3: 1])
            // A store opened with migrate: true refuses too, with the same error.
            await #expect(throws: expected) { try await FalkorDBStore.connect(url: url) }
            // And so does the command.
            let run = try await ApexBinary.run(["migrate", "status", "--data", try SpecFixtures.temporaryDirectory(), "--graph-url", url])
            #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
            #expect(run.stdout.contains("checksum_mismatch"), "\(run.stdout)")
            #expect(run.stderr.contains("falkordb store's schema history does not match"), "\(run.stderr)")
            let up = try await ApexBinary.run(["migrate", "up", "--data", try SpecFixtures.temporaryDirectory(), "--graph-url", url])
            #expect(up.status == 1)
            #expect(up.stderr.contains("falkordb migration 1 (graphiti_indexes) was changed after it was applied"), "\(up.stderr)")
        }
    }

    @Test func twoConcurrentUpsApplyEachVersionOnce() async throws {
        try await OpenedStores.using { opened in
            let url = try FalkorDBTestServer.freshGraphURL(prefix: "mig")
            let first = try await Self.unmigrated(opened, url: url)
            let second = try await Self.unmigrated(opened, url: url)
            // The test holds the lock first, so that both runs are sure to meet it; then lets go.
            let lockKey = first.migrator.target.lockKey
            let holder = "test-\(UUID().uuidString)"
            #expect(try await first.send(["SET", lockKey, holder, "NX", "PX", "30000"]).isNull == false)
            let waits = WaitCounter()
            func runner(_ store: FalkorDBStore) -> MigrationRunner<FalkorDBMigrationTarget> {
                var target = FalkorDBMigrationTarget(store: store)
                target.onWait = { waits.count.add(1, ordering: .relaxed) }
                target.lockWait = .seconds(30)
                return MigrationRunner(target: target, migrations: FalkorDBMigrations.all)
            }
            async let a = runner(first).up()
            async let b = runner(second).up()
            let deadline = ContinuousClock.now + .seconds(10)
            while waits.count.load(ordering: .relaxed) < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(waits.count.load(ordering: .relaxed) == 2, "both runs wait for the lock")
            #expect(try await Self.history(first).isEmpty, "nothing is applied while the lock is held")
            _ = try await first.send(["DEL", lockKey])
            let (stepsA, stepsB) = try await (a, b)
            #expect(stepsA.count + stepsB.count == 3, "\(stepsA.map(\.version)) and \(stepsB.map(\.version))")
            #expect((stepsA + stepsB).map(\.version).sorted() == [1, 2, 3])
            #expect(stepsA.isEmpty || stepsB.isEmpty, "one run applies everything, the other finds it done")
            #expect(try await Self.versionCounts(first) == [1: 1, 2: 1, 3: 1])
            #expect(try await first.send(["EXISTS", lockKey]).int == 0, "the lock is released")
        }
    }

    @Test func theCommandReportsTheGraphAsItsOwnSection() async throws {
        let url = try FalkorDBTestServer.freshGraphURL(prefix: "mig")
        let graph = try FalkorDBURL(url).graph
        let run = try await ApexBinary.run(["migrate", "status", "--json", "--data", try SpecFixtures.temporaryDirectory(), "--graph-url", url])
        #expect(run.status == 0, "\(run.stderr)")
        let answer = try #require(try? JSONParser.parse(run.stdout), "\(run.stdout)")
        #expect(answer["store"] == "sqlite")
        guard case .array(let stores)? = answer["stores"] else {
            Issue.record("no stores array: \(run.stdout)")
            return
        }
        #expect(stores.map { $0["store"] } == ["sqlite", "falkordb"])
        let falkor = try #require(stores.first { $0["store"] == "falkordb" })
        #expect(falkor["location"]?.stringValue?.contains(graph) == true, "\(falkor)")
        guard case .array(let rows)? = falkor["migrations"] else {
            Issue.record("no falkordb migrations: \(falkor)")
            return
        }
        #expect(rows.map { $0["version"] } == [1, 2, 3])
        #expect(rows.map { $0["name"] } == ["graphiti_indexes", "apex_indexes", "adjacency_summaries"])
        #expect(rows.allSatisfy { $0["state"] == "pending" && $0["checksum"] == .null })

        let up = try await ApexBinary.run(["migrate", "up", "--data", try SpecFixtures.temporaryDirectory(), "--graph-url", url])
        #expect(up.status == 0, "\(up.stderr)")
        let after = try await ApexBinary.run(["migrate", "status", "--json", "--data", try SpecFixtures.temporaryDirectory(), "--graph-url", url])
        let section = (try? JSONParser.parse(after.stdout)).flatMap { answer -> JSONValue? in
            guard case .array(let stores)? = answer["stores"] else { return nil }
            return stores.first { $0["store"] == "falkordb" }
        }
        guard case .array(let applied)? = section?["migrations"] else {
            Issue.record("no falkordb section after up: \(after.stdout)")
            return
        }
        #expect(applied.allSatisfy { $0["state"] == "applied" })
        #expect(applied.map { $0["checksum"] } == FalkorDBMigrations.all.map { .string($0.checksum) })
    }

    @Test func twoConcurrentCommandsApplyEachVersionOnce() async throws {
        try await OpenedStores.using { opened in
            let url = try FalkorDBTestServer.freshGraphURL(prefix: "mig")
            let store = try await Self.unmigrated(opened, url: url)
            let lockKey = store.migrator.target.lockKey
            #expect(try await store.send(["SET", lockKey, "test-holder", "NX", "PX", "30000"]).isNull == false)
            // Each process has a data directory of its own: only the graph is shared.
            let runs = try [1, 2].map { _ in
                try ApexBinary.start(["migrate", "up", "--data", try SpecFixtures.temporaryDirectory(), "--graph-url", url], name: "migrate up")
            }
            defer { runs.forEach { $0.stopAndRemove() } }
            let deadline = ContinuousClock.now + .seconds(20)
            while runs.contains(where: { !$0.stderr.contains("another apex holds the migration lock") }), runs.allSatisfy(\.isRunning),
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(runs.allSatisfy { $0.isRunning }, "both runs wait for the lock\n\(runs.map(\.output).joined(separator: "\n"))")
            #expect(runs.allSatisfy { $0.stderr.contains("another apex holds the migration lock of graph") })
            #expect(try await Self.history(store).isEmpty)
            _ = try await store.send(["DEL", lockKey])
            var graphSections: [String] = []
            for run in runs {
                let status = try await run.exitStatus(within: .seconds(30))
                #expect(status == 0, "\(run.output)")
                // The graph's section follows the record store's.
                let text = run.stdout
                guard let start = text.range(of: "falkordb store in") else {
                    Issue.record("no falkordb section\n\(run.output)")
                    continue
                }
                graphSections.append(String(text[start.upperBound...]))
            }
            let applied = graphSections.flatMap { $0.split(separator: "\n").filter { $0.hasPrefix("applied ") } }
            let versions = applied.compactMap { Int($0.split(separator: " ")[1]) }
            #expect(versions.sorted() == [1, 2, 3], "\(graphSections)")
            #expect(graphSections.filter { $0.contains("the schema is up to date") }.count == 1, "\(graphSections)")
            #expect(try await Self.versionCounts(store) == [1: 1, 2: 1, 3: 1])
        }
    }
}

/// Counts how often migration runs were told to wait for the lock.
final class WaitCounter: Sendable {
    let count = Atomic<Int>(0)
}
