import ApexCore
import ApexEngine
import ApexPorts
import ArgumentParser
import Foundation

/// `apex export DIR`: the whole memory as portable files, from whichever stores are configured.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the whole memory to a directory of portable files (docs/moving.md).",
        discussion: """
            DIR (new or empty) gets ontology.yaml, entities.jsonl (every entity with its id), records.jsonl (every property version, \
            fact and end as a record of the spec, with its recorded_at and source: apex ingest reads it too), documents.jsonl \
            (documents with metadata, mentions and, with --vectors, each chunk's vector) and manifest.json, written last. \
            Reads page by page: memory stays flat. Prints the counts.
            """
    )

    @Argument(help: "The directory to write (created; must be missing or empty).")
    var directory: String

    @Flag(name: .long, help: "Also write each chunk's stored vector (an import with the same embedder then embeds nothing).")
    var vectors = false

    @OptionGroup var options: DataOptions

    func run() async throws {
        let memory = try await options.openService(mustExist: true)
        let showProgress = Console.stderrIsTerminal
        let started = ContinuousClock.now
        let manifest = try await MemoryExporter(store: memory.store).export(to: directory, vectors: vectors) { counts in
            if showProgress { Console.progress("exporting: \(counts.entities) entities, \(counts.records) records", final: false) }
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        if showProgress {
            Console.progress(String(format: "exported %d records in %.1f s", manifest.counts.records, seconds), final: true)
        }
        Console.answer(.object([("directory", .string(directory)), ("counts", manifest.counts.json), ("vectors", .bool(manifest.vectors))]))
    }
}

/// `apex import DIR`: an export into empty stores, ids and recorded times kept.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read an export directory into empty stores, keeping every id, recorded time and source.",
        discussion: """
            The records go in all or nothing (one transaction; a saga with --graph-url), with the ids of entities.jsonl; then each \
            document, with its exported vectors when the configured embedder made them (else embedded again). \
            The target must hold no memory yet. Prints the counts.
            """
    )

    @Argument(help: "The export directory (apex export or apex backup wrote it).")
    var directory: String

    @OptionGroup var options: DataOptions
    @OptionGroup var embedding: EmbedderOptions

    func run() async throws {
        let manifest = try DumpManifest.read(directory: directory)
        let memory = try await options.openService(mustExist: false)
        let summary = try await Self.importDump(directory, manifest: manifest, memory: memory, options: options, embedding: embedding)
        Console.answer(
            .object([
                ("directory", .string(directory)), ("counts", summary.counts.json),
                ("documents_with_exported_vectors", .integer(Int64(summary.documentsWithExportedVectors))),
            ]))
    }

    /// Imports with progress on a terminal; the document service is opened only when there are documents.
    static func importDump(_ directory: String, manifest: DumpManifest, memory: MemoryService, options: DataOptions, embedding: EmbedderOptions)
        async throws -> MemoryImporter.Summary
    {
        var documents: DocumentService?
        var finish: (@Sendable () async throws -> Void)?
        if manifest.counts.documents > 0 { (documents, finish) = try await options.documentService(memory, embedding) }
        let showProgress = Console.stderrIsTerminal
        let summary = try await MemoryImporter(memory: memory, documents: documents).importDump(
            from: directory, progress: showProgress ? IngestCommand.report : nil)
        try await finish?()
        if showProgress { Console.progress("imported \(summary.counts.records) records, \(summary.counts.documents) documents", final: true) }
        return summary
    }
}
