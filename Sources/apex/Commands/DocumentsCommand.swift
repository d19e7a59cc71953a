import ApexCore
import ApexEngine
import ArgumentParser
import Foundation

/// `apex documents add|rm`: documents as episodes, chunked and embedded for search.
struct DocumentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "documents",
        abstract: "Add or remove documents (chunked, embedded and indexed for apex search).",
        subcommands: [Add.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a text document; prints {\"id\": ..., \"chunks\": N}.",
            discussion: "Entities whose key or name occurs in the text are linked to it; their history lists it.")

        @Argument(help: "The text file (- for standard input).")
        var file: String

        @Option(name: .long, help: "The title (default: the file name).")
        var title: String?

        @Option(name: .long, help: "Metadata as a JSON object, e.g. '{\"kind\": \"maintenance\"}'.")
        var metadata: String?

        @Option(name: .long, help: "Where the document came from.")
        var source: String?

        @Option(name: .customLong("reference-time"), help: "When the document was true or written (RFC 3339).")
        var referenceTime: String?

        @OptionGroup var options: DataOptions
        @OptionGroup var embedding: EmbedderOptions

        func run() async throws {
            let content: String
            if file == "-" {
                content = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw CLIError.cannotRead(path: file, reason: "no such readable UTF-8 file")
                }
                content = text
            }
            var parsedMetadata: JSONValue = [:]
            if let metadata {
                do {
                    parsedMetadata = try JSONParser.parse(metadata)
                } catch {
                    throw CLIError.badArgument("--metadata is not JSON: \(error.description)")
                }
            }
            let memory = try await options.openService(mustExist: false)
            let (documents, finish) = try await options.documentService(memory, embedding)
            let saved = try await documents.save(
                DocumentInput(
                    title: title ?? (file == "-" ? "stdin" : (file as NSString).lastPathComponent), content: content, metadata: parsedMetadata,
                    source: source, referenceTime: try TimeArgument.parse(referenceTime, option: "--reference-time")))
            try await finish()
            Console.answer(["id": .string(saved.id.description), "chunks": .integer(Int64(saved.chunkCount))])
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove a document with its chunks, vectors, full-text rows and mentions.")

        @Argument(help: "The document id.")
        var id: String

        @OptionGroup var options: DataOptions
        @OptionGroup var embedding: EmbedderOptions

        func run() async throws {
            guard let documentID = EntityID(id) else { throw CLIError.badArgument("\"\(id)\" is not a document id (a UUID)") }
            let memory = try await options.openService(mustExist: true)
            let (documents, finish) = try await options.documentService(memory, embedding)
            try await documents.delete(documentID)
            try await finish()
            Console.answer(["deleted": .string(documentID.description)])
        }
    }
}

/// `apex search "..."`: hybrid, vector or full-text search over document chunks.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search document chunks: hybrid (vector and BM25 fused by reciprocal rank, k = 60), vector or text.")

    @Argument(help: "What to look for.")
    var query: String

    @Option(name: .long, help: "hybrid, vector or text.")
    var mode = "hybrid"

    @Option(name: .long, help: "How many chunks to return.")
    var limit = 10

    @Option(name: .long, help: "FIELD=VALUE: keep chunks of documents whose metadata field has this value (repeatable).")
    var filter: [String] = []

    @OptionGroup var options: DataOptions
    @OptionGroup var embedding: EmbedderOptions

    func run() async throws {
        guard let searchMode = SearchMode(rawValue: mode) else { throw CLIError.badArgument("--mode \(mode) must be hybrid, vector or text") }
        guard (1...100).contains(limit) else { throw CLIError.badArgument("--limit must be from 1 to 100") }
        var filters: [String: String] = [:]
        for item in filter {
            guard let equals = item.firstIndex(of: "=") else { throw CLIError.badArgument("--filter \(item) must be FIELD=VALUE") }
            filters[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        let memory = try await options.openService(mustExist: true)
        let (documents, _) = try await options.documentService(memory, embedding)
        let results = try await documents.search(query, mode: searchMode, limit: limit, filters: filters)
        Console.answer(["query": .string(query), "mode": .string(searchMode.rawValue), "results": .array(results.map(\.json))])
    }
}
