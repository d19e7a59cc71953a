import ApexCore
import ApexPorts
import ApexTesting
import ApexVector
import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `apex vectors migrate` moves the embedded store's chunks to a new embedder beside the live version while `apex
/// serve` answers searches; killed twice it resumes; the swap, the new version's recall and the rollback are checked.
@Suite(.serialized) struct VectorMigrationTests {
    static let documents = 400
    static let chunksPerDocument = 250

    static func apex(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await ApexBinary.run(arguments, within: .seconds(300))
    }

    /// Chunk `index`'s text: 24 words. Chunks come in families of ten (one passage with three words changed in each),
    /// a family's words mostly from its topic's 150 (one of 100 topics), so that a chunk has a few clear neighbours
    /// and a topic around them, as passages and their revisions do in a real corpus.
    static func text(_ index: Int) -> String {
        let family = index / 10
        let topic = family % 100
        var base = UInt64(family) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        var own = UInt64(index) &* 0xD1B5_4A32_D192_ED03 &+ 7
        func draw(_ state: inout UInt64) -> String {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = state >> 33
            return value % 10 < 7 ? "t\(topic)x\(value / 10 % 150)" : "w\(value / 10 % 3_000)"
        }
        var words = (0..<24).map { _ in draw(&base) }
        for _ in 0..<3 {
            own = own &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            words[Int(own >> 59) % 24] = draw(&own)
        }
        return words.joined(separator: " ") + "."
    }

    /// A memory of `documents × chunksPerDocument` chunks embedded with the offline 384-dimension embedder, written
    /// straight into the store's tables (as `apex documents add` would, without paying for an index per document).
    static func seed(_ data: String) async throws {
        #expect(try await apex(["migrate", "up", "--data", data]).status == 0)
        let database = try DatabaseQueue(path: (data as NSString).appendingPathComponent("apex.sqlite"))
        let embedder = FeatureHashingEmbedder(dimension: 384)
        let ids = UUIDv7Generator()
        try await database.write { db in
            try db.execute(sql: "INSERT INTO embedder (id, identity, dimension) VALUES (1, 'feature-hashing-v1', 384)")
            for document in 0..<documents {
                let id = ids.next(unixMilliseconds: 1_700_000_000_000 + UInt64(document))
                let texts = (0..<chunksPerDocument).map { text(document * chunksPerDocument + $0) }
                try db.execute(
                    sql: "INSERT INTO documents (id, title, content, metadata, recorded_at) VALUES (?, ?, ?, ?, 0)",
                    arguments: [Data(id.bytes), "doc \(document)", texts.joined(separator: " "), "{\"part\":\"\(document % 4)\"}"])
                for (ordinal, text) in texts.enumerated() {
                    let vector = embedder.embed(text)
                    try db.execute(
                        sql: "INSERT INTO chunks (document_id, ordinal, start_offset, end_offset, text, embedding) VALUES (?, ?, 0, ?, ?, ?)",
                        arguments: [Data(id.bytes), ordinal, text.unicodeScalars.count, text, vector.withUnsafeBytes { Data($0) }])
                }
            }
            try db.execute(sql: "UPDATE vector_generation SET generation = generation + 1")
        }
        try database.close()
    }

    /// The row id of each chunk, by its index in the seed's order.
    static func chunkIDs(_ data: String) async throws -> [Int64] {
        let database = try DatabaseQueue(path: (data as NSString).appendingPathComponent("apex.sqlite"))
        defer { try? database.close() }
        return try await database.read { db in try Int64.fetchAll(db, sql: "SELECT rowid FROM chunks ORDER BY rowid") }
    }

    @Test func chunksMoveToANewEmbedderWithSearchesAnsweringThroughKillsSwapAndRollback() async throws {
        let data = try SpecFixtures.temporaryDirectory()
        try await Self.seed(data)
        let total = Self.documents * Self.chunksPerDocument

        // The dry run plans and changes nothing.
        let plan = try await Self.apex(["vectors", "migrate", "--to", "dimension=256", "--dry-run", "--data", data])
        #expect(plan.status == 0 && plan.stdout.contains("would embed \(total) chunks"), "\(plan.stdout)\(plan.stderr)")
        let before = try await Self.apex(["vectors", "status", "--data", data])
        #expect(before.stdout.hasPrefix("    1  live      feature-hashing-v1/384 cosine m=16"), "\(before.stdout)")
        // A bad spec is one sentence.
        let bad = try await Self.apex(["vectors", "migrate", "--to", "m=1", "--data", data])
        #expect(bad.status == 1 && bad.stderr.contains("the vector collection spec's m \"1\" is not valid"), "\(bad.stderr)")

        // The seed bypassed apex's writes, so version 1 has no index file yet: one search builds and saves it (as
        // apex documents add would have), so that serve's first searches do not wait for a build.
        let warm = try await Self.apex(["search", "w1", "--mode", "vector", "--data", data])
        #expect(warm.status == 0, "\(warm.stderr)")

        // apex serve answers searches the whole time.
        let server = try ApexBinary.start(["serve", "--port", "0", "--data", data, "--log-level", "warning"], name: "serve")
        defer { server.stopAndRemove() }
        let port = try await server.waitForOutput(within: .seconds(60)) { output -> String? in
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("apex listening on http://127.0.0.1:") }) else { return nil }
            return line.split(separator: ":").last.map(String.init)
        }
        let base = try #require(port.map { "http://127.0.0.1:\($0)" }, "\(server.output)")
        let searches = Task { () -> (answered: Int, failed: [String]) in
            var answered = 0
            var failed: [String] = []
            var index = 0
            while !Task.isCancelled {
                index += 1
                let words = Self.text(index * 7).split(separator: " ").prefix(6).joined(separator: "+")
                guard let url = URL(string: "\(base)/api/v1/search?q=\(words)&mode=vector&limit=5") else { continue }
                do {
                    let (body, response) = try await URLSession.shared.data(from: url)
                    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                    if status == 200, case .array(let results)? = try JSONParser.parse(Array(body))["results"], !results.isEmpty {
                        answered += 1
                    } else {
                        failed.append("\(status): \(String(decoding: body, as: UTF8.self).prefix(200))")
                    }
                } catch {
                    if !Task.isCancelled { failed.append("\(error)") }
                }
                try? await Task.sleep(for: .milliseconds(30))
            }
            return (answered, failed)
        }

        // Killed while embedding, then while indexing; the third run finishes.
        let options = ["vectors", "migrate", "--to", "dimension=256", "--batch", "1000", "--data", data]
        var environment = ApexBinary.environment
        environment["APEX_FAULT_KILL_AT"] = "vectors.embedded-batch#30"
        let first = try ChildProcess("apex", executable: try ApexBinary.url(), arguments: options, environment: environment)
        #expect(try await first.exitStatus(within: .seconds(240)) == 128 + SIGKILL, "\(first.output)")
        #expect(first.stderr.contains("killed at vectors.embedded-batch"), "\(first.output)")
        first.stopAndRemove()
        environment["APEX_FAULT_KILL_AT"] = "vectors.indexed"
        let second = try ChildProcess("apex", executable: try ApexBinary.url(), arguments: options, environment: environment)
        #expect(try await second.exitStatus(within: .seconds(240)) == 128 + SIGKILL, "\(second.output)")
        #expect(second.stderr.contains("resuming version 2"), "\(second.output)")
        // The 30,000 chunks the first run embedded were not embedded again.
        #expect(second.stderr.contains("embedding: \(total - 30_000)/\(total - 30_000) chunks"), "\(second.output)")
        second.stopAndRemove()
        let third = try await Self.apex(options)
        #expect(third.status == 0, "\(third.stdout)\(third.stderr)")
        #expect(third.stdout.hasPrefix("version 2 is live (was 1): 0 chunks embedded, \(total) vectors indexed"), "\(third.stdout)")
        // The index the second run built and saved before it was killed is current: it is not built again.
        #expect(third.stderr.contains("version 2's index is current; not rebuilt"), "\(third.stderr)")

        let status = try await Self.apex(["vectors", "status", "--json", "--data", data])
        #expect(try JSONParser.parse(status.stdout)["live"] == .integer(2), "\(status.stdout)")

        // Recall of the new version: apex search against the exact neighbours of its (256-dimension) vectors.
        let database = try DatabaseQueue(path: (data as NSString).appendingPathComponent("apex.sqlite"))
        var exact = ExactNeighbours(dimension: 256)
        for row in try database.read({ db in try Row.fetchAll(db, sql: "SELECT rowid, embedding FROM chunks") }) {
            let blob: Data = row[1]
            #expect(blob.count == 256 * 4)
            exact.add(id: row[0], vector: blob.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
        }
        try database.close()
        // Recall against exact search, and each query's source chunk among the ten found.
        var found = 0
        var sources = 0
        let queries = 10
        let chunkIDs = try await Self.chunkIDs(data)
        for query in 0..<queries {
            let source = query * 9_973 % total
            let text = Self.text(source).split(separator: " ").prefix(12).joined(separator: " ")
            let truth = Set(exact.nearest(FeatureHashingEmbedder(dimension: 256).embed(text), k: 10))
            let answer = try await Self.apex(["search", text, "--mode", "vector", "--limit", "10", "--data", data])
            guard case .array(let results)? = try JSONParser.parse(answer.stdout)["results"] else {
                Issue.record("no results: \(answer.stdout)\(answer.stderr)")
                continue
            }
            let ids = results.compactMap { result -> Int64? in if case .integer(let id)? = result["chunk_id"] { id } else { nil } }
            found += ids.filter(truth.contains).count
            if ids.contains(chunkIDs[source]) { sources += 1 }
        }
        let recall = Double(found) / Double(queries * 10)
        #expect(recall >= 0.9, "recall@10 of the new version is \(recall)")
        // An approximate index built on several threads differs from run to run: one source may fall just outside the ten.
        #expect(sources >= queries - 1, "\(sources) of \(queries) queries found the chunk they were taken from among the ten")

        // Searches go on through serve after the swap (it follows within a second), then the rollback.
        try await Task.sleep(for: .seconds(3))
        let back = try await Self.apex(["vectors", "migrate", "--rollback", "--data", data])
        #expect(back.status == 0 && back.stdout.hasPrefix("version 1 is live (was 2)"), "\(back.stdout)\(back.stderr)")
        let after = try await Self.apex(["vectors", "status", "--data", data])
        #expect(after.stdout.contains("    1  live      feature-hashing-v1/384") && after.stdout.contains("    2  ready     feature-hashing-v1/256"), "\(after.stdout)")
        try await Task.sleep(for: .seconds(3))
        searches.cancel()
        let outcome = await searches.value
        #expect(outcome.failed.isEmpty, "failed searches: \(outcome.failed.prefix(5))")
        #expect(outcome.answered > 20, "only \(outcome.answered) searches answered")
    }
}
