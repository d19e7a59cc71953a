import ApexCore
import ApexEngine
import ApexPorts
import ArgumentParser
import Foundation

/// `apex move`: moves the configured memory to other stores while `apex serve` goes on, one phase at a time (docs/moving.md).
struct MoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move",
        abstract: "Move the memory to other stores without stopping apex serve: start, backfill, verify, canary, cutover, finish or rollback.",
        discussion: """
            Every phase runs over the configured stores (--data, --database-url, --graph-url or their environment variables), \
            which keep the move's state; every apex process over them, apex serve included, follows it within a second. \
            start: the target is migrated and gets the ontology, and every write goes to both sides (the source stays the \
            truth). backfill: copies what the source held before, in batches, resumable. verify: compares both sides row for \
            row and sampled answers. canary --read-percent N: N % of state reads are answered by both and compared. cutover: \
            the target becomes the truth (writes still reach the source). rollback: back to the source from any phase. finish: \
            the target alone; restart apex with the target's options afterwards. Documents cannot be added or removed during a \
            move (the backfill copies them).
            """,
        subcommands: [Start.self, Status.self, Backfill.self, Verify.self, Canary.self, Cutover.self, Rollback.self, Finish.self]
    )

    /// Opens the configured stores as they are (not through a move) and the phases over them.
    static func open(_ options: DataOptions) async throws -> (store: any TemporalStore, phases: MovePhases) {
        let store = try await options.openStore(mustExist: true)
        return (store, MovePhases(store: store))
    }

    /// Prints the state, with what it means for a running apex serve.
    static func report(_ state: MoveState, note: String? = nil) {
        var fields: [(String, JSONValue)] = [("move", state.json)]
        if let note { fields.append(("note", .string(note))) }
        Console.answer(.object(fields))
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Begin a move: migrate the target, give it the ontology, and send every write to both sides.")

        @Option(name: .customLong("to-data"), help: "The target's embedded store: a data directory.")
        var toData: String?

        @Option(name: .customLong("to-database-url"), help: "The target's PostgreSQL (postgres://...).")
        var toDatabaseURL: String?

        @Option(name: .customLong("to-graph-url"), help: "The target's FalkorDB graph (falkordb://host:port/GRAPH) for facts.")
        var toGraphURL: String?

        @OptionGroup var options: DataOptions

        func run() async throws {
            guard toData != nil || toDatabaseURL != nil else { throw MoveError.noTarget }
            let target = MoveTarget(data: toDatabaseURL == nil ? toData.map(Self.absolute) : nil, databaseURL: toDatabaseURL, graphURL: toGraphURL)
            let sameRecords =
                target.databaseURL.map { $0 == options.postgresURL }
                ?? (options.postgresURL == nil && target.data == Self.absolute(options.directory))
            if sameRecords || (target.graphURL != nil && target.graphURL == options.falkorURL) { throw MoveError.targetIsSource }
            let (source, phases) = try await MoveCommand.open(options)
            if let state = try await phases.current() {
                guard state.phase.isOver else { throw MoveError.alreadyMoving(phase: state.phase) }
                guard state.phase != .finished else { throw MoveError.sourceMovedAway(target: state.target.name) }
            }
            let targetStore = try await MoveStores.openTarget(target)
            let targetEntities = try await targetStore.entities(after: nil, limit: 1)
            let targetOntology = try await targetStore.ontologySource()
            guard targetEntities.isEmpty, targetOntology == nil else { throw MoveError.targetNotEmpty }
            if let ontology = try await source.ontologySource() { try await MemoryService(store: targetStore).setOntology(source: ontology) }
            let state = try await phases.start(to: target)
            MoveCommand.report(
                state,
                note: "writes now go to both sides (every apex serve follows within a second); run apex move backfill, which waits until \(state.dualWriteFrom.rfc3339)")
        }

        static func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the move's state: phase, target, backfill progress, mismatches.")

        @OptionGroup var options: DataOptions

        func run() async throws {
            let (_, phases) = try await MoveCommand.open(options)
            guard let state = try await phases.current() else { throw MoveError.noMove }
            MoveCommand.report(state)
        }
    }

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy what the source held into the target, in batches; a killed run resumes where it stopped.",
            discussion: """
                Waits until every process has seen the move (three seconds after start), then copies entities in id order, \
                --batch at a time, each batch in one write on the target, with progress, rate and ETA on a terminal; then the \
                documents with their vectors. The place reached is stored after each batch: a killed run resumes there. Run \
                again once done, it copies everything again (after a write that reached one side only, or a command that \
                wrote to the source alone). After the cutover it copies the target back into the source.
                """)

        @Option(name: .long, help: "Entities per batch.")
        var batch = 500

        @Option(name: .customLong("max-rate"), help: "At most this many records a second (default: no limit).")
        var maxRate: Int?

        @OptionGroup var options: DataOptions
        @OptionGroup var embedding: EmbedderOptions

        func validate() throws {
            guard batch > 0 else { throw ValidationError("--batch must be positive") }
            if let maxRate, maxRate <= 0 { throw ValidationError("--max-rate must be positive") }
        }

        func run() async throws {
            let (source, phases) = try await MoveCommand.open(options)
            let state = try await phases.active()
            let targetOptions = try MoveStores.options(of: state.target)
            let targetStore = try await targetOptions.openStore(mustExist: false)
            var backfill: MoveBackfill
            var finish: @Sendable () async throws -> Void = {}
            if state.phase == .cutover {
                // After the cutover the target is the truth: its rows go back into the source (documents did not change).
                backfill = MoveBackfill(states: source, source: targetStore, target: MemoryService(store: source), documents: nil)
            } else {
                let target = MemoryService(store: targetStore)
                let (documents, finishDocuments) = try await targetOptions.documentService(target, embedding)
                finish = finishDocuments
                backfill = MoveBackfill(states: source, source: source, target: target, documents: documents)
            }
            backfill.batchSize = batch
            backfill.maxRecordsPerSecond = maxRate
            let showProgress = Console.stderrIsTerminal
            if state.backfill.done == false, state.dualWriteFrom > Timestamp.wallClock, showProgress {
                Console.progress("backfill: waiting for every process to write to both sides", final: false)
            }
            let done = try await backfill.run { report in
                guard showProgress else { return }
                let eta = report.secondsLeft.map { String(format: ", ETA %.0f s", $0) } ?? ""
                let line = String(
                    format: "backfill: %d/%d entities, %d records, %d documents, %.0f records/s", report.progress.entities, report.totalEntities,
                    report.progress.records, report.progress.documents, report.rate)
                Console.progress(line + eta, final: false)
            }
            try await finish()
            if showProgress { Console.progress("backfill: done", final: true) }
            let rate = done.backfill.seconds > 0 ? Double(done.backfill.records) / done.backfill.seconds : 0
            MoveCommand.report(done, note: String(format: "backfilled %d records at %.0f records/s; run apex move verify", done.backfill.records, rate))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the target with the source row for row, and sampled answers; exits 0 only when they agree.")

        @Option(name: .long, help: "Entities whose answers are compared (now and as known earlier).")
        var samples = 200

        @OptionGroup var options: DataOptions

        func run() async throws {
            let (source, phases) = try await MoveCommand.open(options)
            let state = try await phases.active()
            let target = try await MoveStores.openTarget(state.target)
            var verifier = MoveVerifier(source: source, target: target)
            verifier.samples = samples
            let report = try await verifier.run()
            var fields: [(String, JSONValue)] = [("verify", report.json)]
            if report.agrees {
                // A write that reached one side only is not cleared here (it may be among the entities a verify leaves to
                // the next): only a backfill run again clears it.
                let updated = try await phases.update { $0.verifiedAt = Timestamp.wallClock }
                fields.append(("move", updated.json))
            }
            Console.answer(.object(fields))
            if !report.agrees { throw ExitCode(1) }
        }
    }

    struct Canary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer N % of state reads from both sides and compare them (mismatches counted, logged, answered by the source).")

        @Option(name: .customLong("read-percent"), help: "The share of reads compared, 0 to 100 (0 ends the canary).")
        var readPercent: Int

        @OptionGroup var options: DataOptions

        func run() async throws {
            let (_, phases) = try await MoveCommand.open(options)
            MoveCommand.report(try await phases.canary(readPercent: readPercent), note: "every apex serve follows within a second")
        }
    }

    struct Cutover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the target the truth: reads from it, writes to it first and then to the source (for a rollback).")

        @OptionGroup var options: DataOptions

        func run() async throws {
            let (_, phases) = try await MoveCommand.open(options)
            MoveCommand.report(try await phases.cutover(), note: "every apex serve follows within a second; apex move finish or apex move rollback next")
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Go back to the source alone, from any phase; the target is left as it is.")

        @OptionGroup var options: DataOptions

        func run() async throws {
            let (_, phases) = try await MoveCommand.open(options)
            MoveCommand.report(try await phases.rollback(), note: "every apex serve follows within a second; the source answers and takes writes alone")
        }
    }

    struct Finish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End the move after a cutover: the target alone takes reads and writes.")

        @OptionGroup var options: DataOptions

        func run() async throws {
            let (_, phases) = try await MoveCommand.open(options)
            let state = try await phases.finish()
            MoveCommand.report(state, note: "the source takes no more writes; restart apex with \(MoveCommand.options(of: state.target)) to use the target directly")
        }
    }

    /// The target's options as a person types them.
    static func options(of target: MoveTarget) -> String {
        var parts: [String] = []
        if let data = target.data { parts.append("--data \(data)") }
        if let url = target.databaseURL { parts.append("--database-url \(url)") }
        if let url = target.graphURL { parts.append("--graph-url \(url)") }
        return parts.joined(separator: " ")
    }
}
