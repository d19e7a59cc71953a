import ApexCore
import ApexEngine
import ApexFalkorDB
import ApexPorts
import ApexPostgres
import ApexSQLite
import Foundation
import Histogram

/// Runs `apex bench temporal`: ingest rate, then state and timeline latency percentiles.
struct TemporalBenchmark {
    let workload: TemporalWorkload
    let queries: Int
    let directory: String
    /// A PostgreSQL database to run in (in a scratch schema, dropped afterwards); nil for the embedded store.
    let databaseURL: String?
    /// A FalkorDB server whose scratch graph (deleted afterwards) holds the facts; nil to keep them with the records.
    let graphURL: String?
    let log: (String) -> Void

    func run() async throws -> JSONValue {
        let recordFile = (directory as NSString).appendingPathComponent("bench-records.jsonl")
        log("writing \(workload.versions) versions for \(workload.entities) entities to \(recordFile)")
        let records = try workload.write(to: recordFile)
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: recordFile)[.size] as? Int) ?? 0
        let stores = try await BenchStores.open(directory: directory, databaseURL: databaseURL, graphURL: graphURL, log: log)
        do {
            let figures = try await measure(MemoryService(store: stores.store), recordFile: recordFile, records: records, fileBytes: fileBytes)
            let databaseBytes = try await stores.scratchSchema?.sizeBytes() ?? Self.directorySize((directory as NSString).appendingPathComponent("data"))
            try await stores.drop()
            guard case .object(var fields) = figures else { return figures }
            fields.insert(("store", .string(stores.name)), at: 1)
            fields.append(("database_mb", .number(Self.round(Double(databaseBytes) / 1_048_576))))
            return .object(fields)
        } catch {
            try? await stores.drop()
            throw error
        }
    }

    private func measure(_ service: MemoryService, recordFile: String, records: Int, fileBytes: Int) async throws -> JSONValue {
        log("ingesting \(records) records (\(fileBytes / 1_048_576) MB)")
        let clock = ContinuousClock()
        let ingestStart = clock.now
        let summary = try await service.ingest(file: recordFile, ontologySource: TemporalWorkload.ontology)
        let ingestSeconds = (clock.now - ingestStart) / .seconds(1)
        try? FileManager.default.removeItem(atPath: recordFile)
        log(String(format: "ingested %d records in %.2f s (%.0f records/s)", summary.accepted, ingestSeconds, Double(summary.accepted) / ingestSeconds))

        var random = SplitMix64(seed: workload.seed ^ 0xA5A5)
        let end = TemporalWorkload.start.microseconds + TemporalWorkload.span
        func randomUnit() -> EntityRef {
            EntityRef(type: "Unit", key: TemporalWorkload.unitKey(Int(random.next() % UInt64(workload.entities))))
        }
        func randomTime() -> Timestamp {
            // From a week in, so that most units exist; a unit not yet seen answers "did not exist", which is timed too.
            Timestamp(microseconds: TemporalWorkload.start.microseconds + 7 * 86_400_000_000 + Int64(random.next() % UInt64(end - TemporalWorkload.start.microseconds)))
        }

        log("timing \(queries) state queries")
        var state = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var stateErrors = 0
        for index in 0..<(queries + queries / 10) {
            let ref = randomUnit()
            let at = randomTime()
            let began = clock.now
            do { _ = try await service.state(of: ref, at: at) } catch { stateErrors += 1 }
            if index >= queries / 10 { _ = state.record(Self.microseconds(clock.now - began)) }
        }

        log("timing \(queries) timeline queries")
        var timeline = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        for index in 0..<(queries + queries / 10) {
            let ref = randomUnit()
            let property = TemporalWorkload.properties[Int(random.next() % 4)]
            let began = clock.now
            _ = try await service.timeline(of: ref, property: property)
            if index >= queries / 10 { _ = timeline.record(Self.microseconds(clock.now - began)) }
        }
        return .object([
            ("benchmark", "temporal"),
            ("versions", .integer(Int64(workload.versions))),
            ("entities", .integer(Int64(workload.entities))),
            ("records", .integer(Int64(summary.accepted))),
            ("ingest_seconds", .number(Self.round(ingestSeconds))),
            ("ingest_records_per_second", .integer(Int64(Double(summary.accepted) / ingestSeconds))),
            ("queries", .integer(Int64(queries))),
            ("state_us", Self.percentiles(state)),
            ("state_not_yet_existing", .integer(Int64(stateErrors))),
            ("timeline_us", Self.percentiles(timeline)),
            ("peak_rss_mb", .number(Self.round(Double(Self.peakResidentKilobytes()) / 1024))),
        ])
    }

    static func microseconds(_ duration: Duration) -> UInt64 {
        UInt64(max(0, duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000))
    }

    static func percentiles(_ histogram: Histogram<UInt64>) -> JSONValue {
        .object([
            ("p50", .integer(Int64(histogram.valueAtPercentile(50)))),
            ("p90", .integer(Int64(histogram.valueAtPercentile(90)))),
            ("p99", .integer(Int64(histogram.valueAtPercentile(99)))),
            ("max", .integer(Int64(histogram.max))),
        ])
    }

    static func round(_ value: Double) -> Double {
        (value * 100).rounded() / 100
    }

    /// VmHWM from /proc/self/status: the peak resident set size, in kB.
    static func peakResidentKilobytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    static func directorySize(_ path: String) -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return files.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: (path as NSString).appendingPathComponent(name))[.size] as? Int) ?? 0)
        }
    }
}
