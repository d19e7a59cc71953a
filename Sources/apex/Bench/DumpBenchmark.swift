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
            log(
                String(
                    format: "run %d: ingest %.2f s, export %.2f s, import %.2f s%@", run, timing.ingest, timing.export, timing.importEmbedded,
                    timing.importServers.map { String(format: ", import into servers %.2f s", $0) } ?? ""))
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
            let servers = try await BenchStores.open(directory: path(runDirectory, "servers"), databaseURL: databaseURL, graphURL: graphURL, log: log)
            do {
                began = clock.now
                _ = try await MemoryImporter(memory: MemoryService(store: servers.store), documents: nil).importDump(from: exportDirectory)
                timings.importServers = (clock.now - began) / .seconds(1)
                try await servers.drop()
            } catch {
                try? await servers.drop()
                throw error
            }
        }
        return (timings, manifest.counts)
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
