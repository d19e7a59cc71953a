import ApexCore
import ApexEngine
import ApexPorts
import ArgumentParser
import Foundation

/// `apex ingest FILE.jsonl [--ontology ONTOLOGY.yaml]`: stores a record file, all or nothing.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store a JSON Lines record file, all or nothing.",
        discussion: """
            Every line is checked against the ontology; the first bad line rejects the whole file and nothing of it is stored.
            The first ingest needs --ontology; it is kept in the data directory. A later --ontology replaces it if the stored data fits it.
            FILE may be - for standard input. Prints {"accepted": N, "new_entities": M}.
            """
    )

    @Argument(help: "The JSON Lines record file (- for standard input).")
    var file: String

    @Option(name: .long, help: "The ontology YAML file to use and store.")
    var ontology: String?

    @OptionGroup var options: DataOptions

    func run() async throws {
        var ontologySource: String?
        if let ontology {
            do {
                ontologySource = try String(contentsOfFile: ontology, encoding: .utf8)
            } catch {
                throw CLIError.cannotRead(path: ontology, reason: "no such readable UTF-8 file")
            }
        }
        if file != "-", !FileManager.default.isReadableFile(atPath: file) {
            throw CLIError.cannotRead(path: file, reason: "no such readable file")
        }
        let service = try await options.openService(mustExist: false)
        let showProgress = Console.stderrIsTerminal
        let started = ContinuousClock.now
        let summary: IngestSummary
        do {
            summary = try await service.ingest(file: file, ontologySource: ontologySource, progress: showProgress ? Self.report : nil)
        } catch let error as IngestError {
            if case .badRecord(let recordError) = error {
                throw CLIError.badArgument("\(file) line \(recordError.line): \(recordError.message); nothing was stored")
            }
            throw error
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        if showProgress {
            Console.progress(String(format: "ingested %d records in %.1f s", summary.accepted, seconds), final: true)
        }
        Console.answer(["accepted": .integer(Int64(summary.accepted)), "new_entities": .integer(Int64(summary.newEntities))])
    }

    @Sendable static func report(_ progress: IngestProgress) {
        guard !progress.finished else { return }
        var line = "ingesting: \(progress.records) records"
        if let total = progress.totalBytes, total > 0 {
            line += String(format: ", %.0f%% of %.1f MB", Double(progress.bytesRead) * 100 / Double(total), Double(total) / 1_048_576)
        }
        Console.progress(line, final: false)
    }
}
