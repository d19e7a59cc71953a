import ApexCore
import ApexEngine
import ApexPorts
import ApexSQLite
import Foundation

/// Runs `apex bench export`: the rates of `apex export` and `apex import` beside `apex ingest` of the same records.
///
/// Each run ingests the generated file into a fresh embedded store, exports it,
/// and imports the export into another fresh embedded store (and, with servers
/// given, into scratch places on them); the figures are medians over the runs.
struct DumpBenchmark {
    let workload: TemporalWorkload
    let runs: Int
    let directory: String
    let databaseURL: String?
    let graphURL: String?
    let log: (String) -> Void

    /// One run's seconds per step.
    struct Timings {
        var ingest = 0.0
        var export = 0.0
        var importEmbedded = 0.0
        var importServers: Double?
        var backfillServers: Double?
    }

    func run() async throws -> JSONValue {
        let recordFile = (directory as NSString).appendingPathComponent("bench-records.jsonl")
        log("writing \(workload.versions) versions for \(workload.entities) entities to \(recordFile)")
        let records = try workload.write(to: recordFile)
        var timings: [Timings] = []
        var exported = DumpCounts()
        for run in 1...runs {
            let (timing, counts) = try await measure(run: run, recordFile: recordFile)
            timings.append(timing)
            exported = counts
            var line = String(format: "run %d: ingest %.2f s, export %.2f s, import %.2f s", run, timing.ingest, timing.export, timing.importEmbedded)
            if let seconds = timing.importServers { line += String(format: ", import into servers %.2f s", seconds) }
            if let seconds = timing.backfillServers { line += String(format: ", backfill into servers %.2f s", seconds) }
            log(line)
        }
        let ingest = Self.median(timings.map(\.ingest))
        let export = Self.median(timings.map(\.export))
        let importEmbedded = Self.median(timings.map(\.importEmbedded))
        func rate(_ seconds: Double) -> JSONValue { .integer(Int64(Double(records) / max(seconds, 1e-9))) }
        var fields: [(String, JSONValue)] = [
            ("benchmark", "export"), ("runs", .integer(Int64(runs))), ("records", .integer(Int64(records))),
            ("exported_records", .integer(Int64(exported.records))), ("entities", .integer(Int64(exported.entities))),
            ("ingest_records_per_second", rate(ingest)), ("export_records_per_second", rate(export)),
            ("import_records_per_second", rate(importEmbedded)),
            ("export_to_ingest_ratio", .number(TemporalBenchmark.round(ingest / export))),
            ("import_to_ingest_ratio", .number(TemporalBenchmark.round(ingest / importEmbedded))),
        ]
        let servers = timings.compactMap(\.importServers)
        if !servers.isEmpty {
            fields.append(("servers", .string(Self.serversName(databaseURL: databaseURL, graphURL: graphURL))))
            fields.append(("import_into_servers_records_per_second", rate(Self.median(servers))))
            fields.append(("backfill_into_servers_records_per_second", rate(Self.median(timings.compactMap(\.backfillServers)))))
        }
        fields.append(("peak_rss_mb", .number(TemporalBenchmark.round(Double(TemporalBenchmark.peakResidentKilobytes()) / 1024))))
        return .object(fields)
    }

    private func measure(run: Int, recordFile: String) async throws -> (Timings, DumpCounts) {
        let runDirectory = (directory as NSString).appendingPathComponent("run-\(run)")
        defer { try? FileManager.default.removeItem(atPath: runDirectory) }
        let clock = ContinuousClock()
        var timings = Timings()

        let source = MemoryService(store: try await SQLiteStore.open(directory: path(runDirectory, "source")))
        var began = clock.now
        _ = try await source.ingest(file: recordFile, ontologySource: TemporalWorkload.ontology)
        timings.ingest = (clock.now - began) / .seconds(1)

        let exportDirectory = path(runDirectory, "export")
        began = clock.now
        let manifest = try await MemoryExporter(store: source.store).export(to: exportDirectory, vectors: false)
        timings.export = (clock.now - began) / .seconds(1)

        let target = MemoryService(store: try await SQLiteStore.open(directory: path(runDirectory, "target")))
        began = clock.now
        _ = try await MemoryImporter(memory: target, documents: nil).importDump(from: exportDirectory)
        timings.importEmbedded = (clock.now - began) / .seconds(1)

        if databaseURL != nil || graphURL != nil {
            timings.importServers = try await onScratchServers(runDirectory, "import") { servers in
                _ = try await MemoryImporter(memory: MemoryService(store: servers.store), documents: nil).importDump(from: exportDirectory)
            }
            timings.backfillServers = try await onScratchServers(runDirectory, "backfill") { servers in
                try await backfill(from: source.store, to: servers.store)
            }
        }
        return (timings, manifest.counts)
    }

    /// Runs `body` on fresh scratch places on the servers (removed afterwards) and returns its seconds.
    private func onScratchServers(_ runDirectory: String, _ name: String, _ body: (BenchStores) async throws -> Void) async throws -> Double {
        let servers = try await BenchStores.open(directory: path(runDirectory, name), databaseURL: databaseURL, graphURL: graphURL, log: log)
        do {
            let began = ContinuousClock.now
            try await body(servers)
            let seconds = (ContinuousClock.now - began) / .seconds(1)
            try await servers.drop()
            return seconds
        } catch {
            try? await servers.drop()
            throw error
        }
    }

    /// `apex move start` then `apex move backfill` from the embedded source into `target` (no writer runs meanwhile,
    /// so the backfill does not wait), then a rollback, which leaves the source as it was.
    private func backfill(from source: any TemporalStore, to target: any TemporalStore) async throws {
        let phases = MovePhases(store: source)
        if let ontology = try await source.ontologySource() { try await MemoryService(store: target).setOntology(source: ontology) }
        _ = try await phases.start(to: MoveTarget(data: nil, databaseURL: databaseURL, graphURL: graphURL))
        try await phases.update { $0.dualWriteFrom = $0.startedAt }
        var backfill = MoveBackfill(states: source, source: source, target: MemoryService(store: target), documents: nil)
        backfill.batchSize = 1_000
        _ = try await backfill.run()
        _ = try await phases.rollback()
    }

    private func path(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func serversName(databaseURL: String?, graphURL: String?) -> String {
        [databaseURL == nil ? "sqlite" : "postgres", graphURL == nil ? nil : "falkordb"].compactMap { $0 }.joined(separator: "+")
    }
}
