import ApexCore
import ApexTesting
import Foundation
import Testing

/// int8 chosen per collection on the embedded store, through the CLI: a migration to `precision=int8` rebuilds the
/// index as codes (a smaller file), searches answer from it, and documents added afterwards are written into it.
@Suite struct Int8CollectionTests {
    static func note(_ number: Int) -> String {
        "Note \(number) about truck \(number * 7), route \(number * 13) and a load of \(number * 3) tonnes, cargo number \(number)."
    }

    static func found(_ number: Int, data: String) throws -> Bool {
        let run = try CLITests.apex(["search", note(number), "--mode", "vector", "--limit", "1", "--data", data])
        #expect(run.status == 0, "\(run.stderr)")
        guard case .array(let results)? = run.json?["results"] else { return false }
        return results.first?["text"]?.stringValue == note(number)
    }

    @Test func anInt8CollectionIsSmallerAnswersAndTakesWrites() throws {
        let data = CLITests.temporaryDirectory()
        for number in 1...40 {
            let added = try CLITests.apex(["documents", "add", "-", "--title", "note \(number)", "--data", data], input: Self.note(number))
            #expect(added.status == 0, "\(added.stderr)")
        }
        let migrated = try CLITests.apex(["vectors", "migrate", "--to", "precision=int8", "--data", data])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let status = try CLITests.apex(["vectors", "status", "--json", "--data", data])
        guard case .array(let versions)? = status.json?["versions"] else {
            Issue.record("no versions in \(status.stdout)")
            return
        }
        #expect(versions.contains { $0["state"]?.stringValue == "live" && $0["spec"]?["precision"]?.stringValue == "int8" })
        let attributes = { (name: String) in try FileManager.default.attributesOfItem(atPath: (data as NSString).appendingPathComponent(name)) }
        let floatSize = try #require(try attributes("vector-index.bin")[.size] as? Int)
        let codeSize = try #require(try attributes("vector-index-v2.bin")[.size] as? Int)
        #expect(codeSize * 2 < floatSize, "int8 index \(codeSize) bytes, float32 \(floatSize)")
        for number in [1, 17, 40] { #expect(try Self.found(number, data: data), "note \(number)") }
        // Written into the codes: a document added after the migration is found.
        let added = try CLITests.apex(["documents", "add", "-", "--title", "note 41", "--data", data], input: Self.note(41))
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try Self.found(41, data: data))
        let halfvec = try CLITests.apex(["vectors", "migrate", "--to", "precision=halfvec", "--data", data])
        #expect(halfvec.status == 1)
        #expect(halfvec.stderr.contains("float32 or int8"), "\(halfvec.stderr)")
    }
}
