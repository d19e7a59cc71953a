import ApexCore
import ApexTesting
import Foundation
import Testing

/// `apex export`, `apex import`, `apex backup` and `apex restore` through the CLI, on every store configuration
/// (embedded, SQLite + FalkorDB, PostgreSQL, PostgreSQL + FalkorDB) against the real servers of the test run.
@Suite struct ExportImportTests {
    /// One place a memory can live, as the options that select it.
    struct Configuration: CustomStringConvertible {
        let name: String
        let options: [String]
        var description: String { name }

        static func fresh(_ name: String) async throws -> Configuration {
            switch name {
            case "embedded": return Configuration(name: name, options: ["--data", CLITests.temporaryDirectory()])
            case "sqlite+falkordb":
                return Configuration(name: name, options: ["--data", CLITests.temporaryDirectory(), "--graph-url", try FalkorDBTestServer.freshGraphURL(prefix: "dump")])
            case "postgres": return Configuration(name: name, options: ["--database-url", try await PostgresTestServer.shared.freshDatabase(migrated: false)])
            default:
                return Configuration(
                    name: name,
                    options: ["--database-url", try await PostgresTestServer.shared.freshDatabase(migrated: false), "--graph-url", try FalkorDBTestServer.freshGraphURL(prefix: "dump")])
            }
        }
    }

    static let configurations = ["embedded", "sqlite+falkordb", "postgres", "postgres+falkordb"]

    /// Questions whose answers must not change when the memory moves: state as known at several times, a
    /// property's timeline, an entity's whole history, two-hop neighbours then and now, and a search.
    static let questions: [[String]] = [
        ["state", "Tractor/6520", "--at", "2025-03-02T00:00:00Z"],
        ["state", "Tractor/6520", "--at", "2025-03-02T00:00:00Z", "--known-at", "2025-03-02T00:00:00Z"],
        ["state", "Driver/D-17", "--at", "2025-02-01T00:00:00Z", "--known-at", "2025-02-15T00:00:00Z"],
        ["timeline", "Tractor/6520", "--property", "status"],
        ["entity", "history", "Driver/D-17"],
        ["neighbors", "Tractor/6520", "--depth", "2", "--at", "2025-03-02T00:00:00Z"],
        ["neighbors", "Driver/D-17", "--at", "2025-02-10T00:00:00Z", "--known-at", "2025-02-15T00:00:00Z"],
        ["search", "annual inspection brakes", "--limit", "3"],
    ]

    static func apex(_ arguments: [String], _ configuration: Configuration) throws -> CLITests.Run {
        try CLITests.apex(arguments + configuration.options)
    }

    /// The example's records and two documents (one mentioning an entity) in `configuration`.
    static func loadExample(into configuration: Configuration) throws {
        let ingest = try apex(["ingest", "examples/logistics/records.jsonl", "--ontology", "examples/logistics/ontology.yaml"], configuration)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let readme = try apex(["documents", "add", "README.md", "--metadata", #"{"pages":3,"kind":"manual","a":{"z":1,"b":2}}"#, "--source", "repo"], configuration)
        #expect(readme.status == 0, "\(readme.stderr)")
        let note = try CLITests.apex(
            ["documents", "add", "-", "--title", "inspection note", "--reference-time", "2025-03-01T08:00:00Z"] + configuration.options,
            input: "Tractor 6520 passed its annual inspection; brakes relined by driver D-17.")
        #expect(note.status == 0, "\(note.stderr)")
    }

    static func answers(_ configuration: Configuration) throws -> [String] {
        try questions.map { question in
            let run = try apex(question, configuration)
            #expect(run.status == 0, "\(question) on \(configuration): \(run.stderr)")
            return withoutKnownAtNow(run.stdout)
        }
    }

    /// The answer without its top-level `known_at`, which is the time of asking when no --known-at is given.
    static func withoutKnownAtNow(_ answer: String) -> String {
        guard case .object(let members)? = try? JSONParser.parse(answer) else { return answer }
        return JSONWriter.prettyString(.object(members.filter { $0.0 != "known_at" }))
    }

    static func export(_ configuration: Configuration, vectors: Bool = true) throws -> String {
        let directory = CLITests.temporaryDirectory() + "-export"
        let run = try apex(["export", directory] + (vectors ? ["--vectors"] : []), configuration)
        #expect(run.status == 0, "export from \(configuration): \(run.stderr)")
        return directory
    }

    static func file(_ directory: String, _ name: String) -> String {
        (try? String(contentsOfFile: (directory as NSString).appendingPathComponent(name), encoding: .utf8)) ?? "missing \(name)"
    }

    /// The documents of an export, keyed by id, as parsed JSON with object keys in order (PostgreSQL's jsonb keeps a
    /// metadata object's keys in its own order).
    static func documents(_ directory: String) -> [String: JSONValue] {
        var byID: [String: JSONValue] = [:]
        for line in file(directory, "documents.jsonl").split(separator: "\n") {
            guard let json = try? JSONParser.parse(String(line)), let id = json["id"]?.stringValue else { continue }
            byID[id] = sortedKeys(json)
        }
        return byID
    }

    static func sortedKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members): .object(members.map { ($0.0, sortedKeys($0.1)) }.sorted { $0.0 < $1.0 })
        case .array(let values): .array(values.map(sortedKeys))
        default: value
        }
    }

    /// Every store configuration is exported, and each export is imported into every other configuration:
    /// the import answers every question as the source does, and exporting it again gives the same files.
    @Test func everyStorePairRoundTripsAnswersIdsTimesAndSources() async throws {
        var sources: [(Configuration, String, [String])] = []
        for name in Self.configurations {
            let source = try await Configuration.fresh(name)
            try Self.loadExample(into: source)
            sources.append((source, try Self.export(source), try Self.answers(source)))
        }
        // Loaded separately, the sources differ in their ids and recorded times: each pair is checked against its own source.
        for (source, exported, expected) in sources {
            for name in Self.configurations where name != source.name {
                let target = try await Configuration.fresh(name)
                let imported = try Self.apex(["import", exported], target)
                #expect(imported.status == 0, "\(source) → \(target): \(imported.stderr)")
                #expect(imported.json?["counts"]?["records"] == .integer(588), "\(imported.stdout)")
                #expect(imported.json?["documents_with_exported_vectors"] == .integer(2), "\(imported.stdout)")
                let answers = try Self.answers(target)
                for (index, question) in Self.questions.enumerated() {
                    #expect(answers[index] == expected[index], "\(source) → \(target): \(question)")
                }
                let again = try Self.export(target)
                for name in ["ontology.yaml", "entities.jsonl", "records.jsonl"] {
                    #expect(Self.file(again, name) == Self.file(exported, name), "\(source) → \(target): \(name) differs")
                }
                #expect(Self.documents(again) == Self.documents(exported), "\(source) → \(target): documents differ")
            }
        }
    }

    /// The export is the spec's record format: `apex ingest` of records.jsonl alone gives the same answers.
    @Test func recordsOfAnExportAreSpecRecords() async throws {
        let source = try await Configuration.fresh("embedded")
        try Self.loadExample(into: source)
        let exported = try Self.export(source, vectors: false)
        let manifest = try JSONParser.parse(Self.file(exported, "manifest.json"))
        #expect(manifest["format"] == "apex-export", "\(manifest)")
        #expect(manifest["counts"]?["entities"] != nil && manifest["counts"]?["entities"] != .integer(0), "\(manifest)")
        #expect(manifest["vectors"] == .bool(false))
        #expect(!Self.file(exported, "documents.jsonl").contains("\"embedding\""))
        let target = try await Configuration.fresh("embedded")
        let ingest = try Self.apex(
            ["ingest", (exported as NSString).appendingPathComponent("records.jsonl"), "--ontology", (exported as NSString).appendingPathComponent("ontology.yaml")],
            target)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let state = try Self.apex(["state", "Tractor/6520", "--at", "2025-03-02T00:00:00Z", "--known-at", "2025-03-02T00:00:00Z"], target)
        let expected = try Self.apex(["state", "Tractor/6520", "--at", "2025-03-02T00:00:00Z", "--known-at", "2025-03-02T00:00:00Z"], source)
        #expect(state.json?["properties"] == expected.json?["properties"])
    }

    /// A SQLite backup taken from the embedded store restores into a new data directory with the same answers;
    /// on servers the backup is an export with vectors, restored into fresh servers.
    @Test func backupsRestoreToTheSameAnswers() async throws {
        for name in ["embedded", "postgres+falkordb"] {
            let source = try await Configuration.fresh(name)
            try Self.loadExample(into: source)
            let expected = try Self.answers(source)
            let backup = CLITests.temporaryDirectory() + (name == "embedded" ? "-backup.sqlite" : "-backup")
            let made = try Self.apex(["backup", backup], source)
            #expect(made.status == 0, "\(made.stderr)")
            #expect(made.json?["kind"] == (name == "embedded" ? "sqlite" : "export"), "\(made.stdout)")
            // The source goes on changing: the backup keeps the moment it was taken.
            let later = try CLITests.apex(
                ["ingest", "-"] + source.options,
                input: #"{"kind":"state","entity":{"type":"Tractor","key":"6520"},"valid_at":"2025-03-01T12:00:00Z","set":{"status":"retired"}}"# + "\n")
            #expect(later.status == 0, "\(later.stderr)")
            #expect(try Self.answers(source) != expected, "the later write changes an answer")
            let target = try await Configuration.fresh(name)
            let restored = try Self.apex(["restore", backup], target)
            #expect(restored.status == 0, "\(restored.stderr)")
            #expect(try Self.answers(target) == expected, "\(name)")
            let again = try Self.apex(["restore", backup], target)
            #expect(again.status != 0, "restoring over a memory is refused")
            #expect(again.stderr.split(separator: "\n").count == 1, "\(again.stderr)")
        }
    }

    /// Bad input is one sentence naming what and where, and writes nothing.
    @Test func badExportsAreRefusedInOneSentenceAndWriteNothing() async throws {
        let source = try await Configuration.fresh("embedded")
        try Self.loadExample(into: source)
        let exported = try Self.export(source)

        let notAnExport = try Self.apex(["import", "examples/logistics"], try await Configuration.fresh("embedded"))
        #expect(notAnExport.status != 0)
        #expect(notAnExport.stderr.contains("manifest.json"), "\(notAnExport.stderr)")

        let intoItself = try Self.apex(["import", exported], source)
        #expect(intoItself.status != 0)
        #expect(intoItself.stderr.contains("already holds"), "\(intoItself.stderr)")

        let overExport = try Self.apex(["export", exported], source)
        #expect(overExport.status != 0)
        #expect(overExport.stderr.contains(exported), "\(overExport.stderr)")

        // A damaged entities line: the import names the file and line, and the target stays empty.
        let damaged = CLITests.temporaryDirectory() + "-damaged"
        try FileManager.default.copyItem(atPath: exported, toPath: damaged)
        let entitiesPath = (damaged as NSString).appendingPathComponent("entities.jsonl")
        var lines = Self.file(damaged, "entities.jsonl").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[2] = #"{"id":"not-a-uuid","type":"Tractor","key":"6520"}"#
        try lines.joined(separator: "\n").write(toFile: entitiesPath, atomically: true, encoding: .utf8)
        let target = try await Configuration.fresh("postgres")
        let bad = try Self.apex(["import", damaged], target)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("entities.jsonl") && bad.stderr.contains("line 3"), "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        let nothing = try Self.apex(["state", "Tractor/6520"], target)
        #expect(nothing.status != 0, "nothing was written: \(nothing.stdout)")

        // A record that names an entity entities.jsonl lacks: all or nothing.
        let missing = CLITests.temporaryDirectory() + "-missing"
        try FileManager.default.copyItem(atPath: exported, toPath: missing)
        let kept = Self.file(missing, "entities.jsonl").split(separator: "\n").filter { !$0.contains(#""key":"6520""#) }
        try (kept.joined(separator: "\n") + "\n").write(toFile: (missing as NSString).appendingPathComponent("entities.jsonl"), atomically: true, encoding: .utf8)
        let otherTarget = try await Configuration.fresh("sqlite+falkordb")
        let unknown = try Self.apex(["import", missing], otherTarget)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("Tractor/6520"), "\(unknown.stderr)")
        let none = try Self.apex(["state", "Driver/D-17"], otherTarget)
        #expect(none.status != 0, "nothing was written: \(none.stdout)")
    }
}
