import ApexCore
import ApexEngine
import ApexPorts
import ApexSQLite
import ApexVector
import ArgumentParser
import Foundation
import Synchronization

/// `apex vectors status|migrate|drop`: the memory's vector collection as versions behind an alias (docs/vectors.md).
struct VectorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Show the vector collection's versions, move to a new spec beside the live one, roll back, or drop a version.",
        discussion: """
            Works on the embedded store (--data). On PostgreSQL (--database-url) the versions' tables exist but pgvector \
            builds no index per version yet, so the commands refuse. See docs/vectors.md.
            """,
        subcommands: [Status.self, Migrate.self, Drop.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the collection's versions: spec, state (live, ready, building, retired).")

        @Flag(name: .long, help: "Print JSON instead of a table.")
        var json = false

        @OptionGroup var options: DataOptions
        @OptionGroup var embedding: EmbedderOptions

        func run() async throws {
            let (migration, _) = try await VectorsCommand.migration(options, embedding, quiet: true)
            let live = try await migration.live()
            var versions = try await migration.collections.vectorCollections()
            if versions.isEmpty { versions = [live] }
            if json {
                Console.answer(
                    .object([
                        ("live", .integer(Int64(live.version))),
                        ("versions", .array(versions.map { version in
                            .object([("version", .integer(Int64(version.version))), ("state", .string(version.state.rawValue)), ("spec", version.spec.json)])
                        })),
                    ]))
                return
            }
            for version in versions {
                let number = String(version.version)
                let state = version.state.rawValue
                print(String(repeating: " ", count: max(0, 5 - number.count)) + number + "  " + state.padding(toLength: 9, withPad: " ", startingAt: 0) + " " + version.spec.summary)
            }
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build the collection with a new spec beside the live one, then swap the alias to it (or --rollback).",
            discussion: """
                SPEC is KEY=VALUE,... over the live spec (embedder=hashing|NAME, dimension, m, ef_construction, precision=float32, \
                payload_indexes=a+b), or a JSON file with those members. A new embedder re-embeds every chunk in batches \
                (--batch, each committed; a failed batch is tried 3 times); only index fields changing rebuild the index from the \
                stored vectors. Progress goes to stderr with rate and ETA. A killed run is resumed by running it again: chunks \
                embedded are kept, the index is built again. Searches answer throughout from the live version; the swap is one \
                transaction, taken only when no chunk changed since the index was built (else the changes are caught up first). \
                The version replaced is kept: --rollback swaps back to it. Embedded store only for now.
                """)

        @Option(name: .long, help: "The new spec: KEY=VALUE,... or a JSON file.")
        var to: String?

        @Flag(name: .long, help: "Swap back to the version that was live before.")
        var rollback = false

        @Flag(name: .customLong("dry-run"), help: "Print the plan and an estimate from a sample; change nothing.")
        var dryRun = false

        @Option(name: .long, help: "Chunks embedded per batch (default 1000).")
        var batch = 1_000

        @OptionGroup var options: DataOptions
        @OptionGroup var embedding: EmbedderOptions

        func validate() throws {
            guard (to != nil) != rollback else { throw ValidationError("give either --to SPEC or --rollback") }
            guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be from 1 to 100000") }
        }

        func run() async throws {
            var (migration, meter) = try await VectorsCommand.migration(options, embedding, quiet: false)
            migration.batchSize = batch
            let clock = ContinuousClock()
            let start = clock.now
            let report: VectorMigrationReport
            if rollback {
                report = try await migration.rollback()
            } else {
                let live = try await migration.live()
                let spec = try VectorsCommand.spec(to ?? "", over: live.spec)
                if dryRun {
                    let plan = try await migration.plan(to: spec)
                    VectorsCommand.printPlan(plan)
                    return
                }
                report = try await migration.run(to: spec)
            }
            meter.finish()
            let seconds = (clock.now - start) / .seconds(1)
            if report.from == report.to {
                print("the live version \(report.to) already has this spec")
            } else {
                print(
                    String(
                        format: "version %d is live (was %d): %d chunks embedded, %d vectors indexed in %.1f s", report.to, report.from, report.embedded,
                        report.indexed, seconds))
            }
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retire a version that is not live: its vectors and index are deleted.")

        @Argument(help: "The version.")
        var version: Int

        @OptionGroup var options: DataOptions
        @OptionGroup var embedding: EmbedderOptions

        func run() async throws {
            let (migration, _) = try await VectorsCommand.migration(options, embedding, quiet: true)
            let versions = try await migration.collections.vectorCollections()
            guard let found = versions.first(where: { $0.version == version }) else {
                throw CLIError.badArgument("there is no vector collection version \(version)")
            }
            guard found.state != .live else { throw CLIError.badArgument("version \(version) is live: migrate to another first") }
            try await migration.collections.setVectorCollectionState(version, to: .retired)
            try await migration.indexer.drop(version: version)
            print("retired version \(version)")
        }
    }

    /// The migration over the configured embedded store, with progress printed to stderr.
    static func migration(_ options: DataOptions, _ embedding: EmbedderOptions, quiet: Bool) async throws -> (VectorMigration, ProgressMeter) {
        guard options.postgresURL == nil else {
            throw CLIError.badArgument("apex vectors works on the embedded store for now: on PostgreSQL, pgvector builds no index per collection version yet")
        }
        let memory = try await options.openService(mustExist: true)
        let store = memory.store
        if let moving = store as? MovingStore, let phase = try await moving.route.plan().phase, phase != .rolledBack {
            throw MoveError.documentsFrozen(phase: phase)
        }
        let records = (store as? ComposedStore)?.records ?? store
        guard let collections = records as? any VectorCollectionStore else {
            throw CLIError.badArgument("this record store keeps no vector collection versions")
        }
        let meter = ProgressMeter(quiet: quiet)
        let migration = VectorMigration(
            collections: collections, documents: store, indexer: EmbeddedCollectionIndexer(directory: options.directory),
            embedderFor: { try embedding.make(matching: $0) }, fallback: VectorCollectionSpec(embedder: try embedding.make().identity),
            progress: { meter.report($0) })
        return (migration, meter)
    }

    /// The spec `text` gives over `live`: a JSON file's object, or KEY=VALUE,...
    static func spec(_ text: String, over live: VectorCollectionSpec) throws -> VectorCollectionSpec {
        if text.hasSuffix(".json") || FileManager.default.fileExists(atPath: text) {
            guard let data = FileManager.default.contents(atPath: text) else { throw CLIError.cannotRead(path: text, reason: "no such readable file") }
            let json: JSONValue
            do {
                json = try JSONParser.parse(Array(data))
            } catch {
                throw CLIError.badArgument("\(text) is not JSON: \(error.description)")
            }
            return try VectorCollectionSpec(json: json, base: live)
        }
        return try live.applying(text: text)
    }

    static func printPlan(_ plan: VectorMigrationPlan) {
        Swift.print("live: version \(plan.live.version), \(plan.live.spec.summary)")
        Swift.print("target: \(plan.target.summary)")
        if plan.unchanged {
            Swift.print("nothing to do: the live version has this spec")
            return
        }
        if let resuming = plan.resuming { Swift.print("resumes version \(resuming), which an earlier run left") }
        Swift.print("chunks: \(plan.chunks)")
        if plan.toEmbed > 0, let rate = plan.embedRate {
            Swift.print(String(format: "would embed %d chunks with %@ (about %.0f chunks/s on a sample: ~%.0f s)", plan.toEmbed, plan.target.embedder.name, rate, Double(plan.toEmbed) / rate))
        } else {
            Swift.print("would embed nothing: the embedder is the live one's")
        }
        // About 4,000 vectors/s at m 16 and 384 dimensions on one core here (docs/benchmarks.md); more links or dimensions cost more.
        let indexRate = 4_000.0 * 16 / Double(plan.target.m) * 384 / Double(plan.target.embedder.dimension) * 64 / Double(plan.target.efConstruction)
        Swift.print(String(format: "would index %d vectors (HNSW m %d, ef_construction %d: ~%.0f s), then swap the alias", plan.chunks, plan.target.m, plan.target.efConstruction, Double(plan.chunks) / indexRate))
    }
}

/// Prints a vector migration's progress to stderr: at most once a second, with the rate and an ETA.
final class ProgressMeter: Sendable {
    private let state = Mutex(State())
    private let quiet: Bool

    struct State {
        var phase = ""
        var started = ContinuousClock.now
        var printed = ContinuousClock.now
        var open = false
    }

    init(quiet: Bool) {
        self.quiet = quiet
    }

    func report(_ event: VectorMigrationEvent) {
        guard !quiet else { return }
        switch event {
        case .began(let version): line("building version \(version) beside the live one", final: true)
        case .resuming(let version): line("resuming version \(version), which an earlier run left", final: true)
        case .abandoned(let version): line("giving up version \(version), left building with another spec", final: true)
        case .retrying(let chunk, let attempt, let reason): line("batch from chunk \(chunk) failed (attempt \(attempt)): \(reason); retrying", final: true)
        case .indexKept(let version): line("version \(version)'s index is current; not rebuilt", final: true)
        case .catchingUp: line("chunks changed while building; catching up", final: true)
        case .swapped(let from, let to): line("swapped the alias from version \(from) to \(to)", final: true)
        case .embedding(let done, let total): measure("embedding", done: done, total: total, unit: "chunks")
        case .indexing(let done, let total): measure("indexing", done: done, total: total, unit: "vectors")
        }
    }

    func finish() {
        state.withLock { $0.open = false }
    }

    private func measure(_ phase: String, done: Int, total: Int, unit: String) {
        let now = ContinuousClock.now
        let text: String? = state.withLock { state in
            if state.phase != phase {
                state.phase = phase
                state.started = now
                state.printed = now
            }
            guard done == total || now - state.printed >= .seconds(1) else { return nil }
            state.printed = now
            let seconds = (now - state.started) / .seconds(1)
            let rate = seconds > 0 ? Double(done) / seconds : 0
            let eta = rate > 0 ? Double(total - done) / rate : 0
            let percent = total > 0 ? 100 * Double(done) / Double(total) : 100
            return String(format: "%@: %d/%d %@ (%.0f %%), %.0f/s, ETA %.0f s", phase, done, total, unit, percent, rate, eta)
        }
        if let text { line(text, final: done == total) }
    }

    private func line(_ text: String, final: Bool) {
        if Console.stderrIsTerminal {
            Console.progress(text, final: final)
        } else {
            Console.error(text)
        }
    }
}
