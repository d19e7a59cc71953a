import ApexCore
import ApexEngine
import Foundation
import Histogram

/// Runs `apex bench graph`: ingest a generated graph, then time depth-limited neighbours at random valid times.
struct GraphBenchmark {
    let workload: GraphWorkload
    let queries: Int
    let depth: Int
    let databaseURL: String?
    let graphURL: String?
    let keepGraph: Bool
    let log: (String) -> Void

    func run() async throws -> JSONValue {
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("apex-bench-graph-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recordFile = (directory as NSString).appendingPathComponent("graph-records.jsonl")
        log("writing \(workload.entities) entities and \(workload.facts) facts to \(recordFile)")
        let records = try workload.write(to: recordFile)
        let stores = try await BenchStores.open(directory: directory, databaseURL: databaseURL, graphURL: graphURL, log: log)
        do {
            let service = MemoryService(store: stores.store)
            let clock = ContinuousClock()
            let started = clock.now
            let summary = try await service.ingest(file: recordFile, ontologySource: GraphWorkload.ontology)
            let ingestSeconds = (clock.now - started) / .seconds(1)
            log(String(format: "ingested %d records in %.2f s", summary.accepted, ingestSeconds))
            try await stores.settle(log: log)

            var random = SplitMix64(seed: workload.seed ^ 0x5A5A)
            var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            var reached = 0
            log("timing \(queries) depth-\(depth) neighbours queries")
            for index in 0..<(queries + queries / 10) {
                let person = EntityRef(type: "Person", key: GraphWorkload.personKey(Int(random.next() % UInt64(workload.people))))
                let at = Timestamp(microseconds: GraphWorkload.start.microseconds + Int64(random.next() % UInt64(GraphWorkload.span)))
                let began = clock.now
                let answer = try await service.neighbors(of: person, at: at, depth: depth)
                if index >= queries / 10 {
                    _ = latency.record(TemporalBenchmark.microseconds(clock.now - began))
                    reached += answer.neighbors.count
                }
            }
            try await stores.drop(keepGraph: keepGraph)
            var fields: [(String, JSONValue)] = [
                ("benchmark", "graph"), ("store", .string(stores.name)), ("entities", .integer(Int64(workload.entities))),
                ("facts", .integer(Int64(workload.facts))), ("records", .integer(Int64(records))),
                ("ingest_seconds", .number(TemporalBenchmark.round(ingestSeconds))),
                ("ingest_records_per_second", .integer(Int64(Double(summary.accepted) / ingestSeconds))),
                ("depth", .integer(Int64(depth))), ("queries", .integer(Int64(queries))),
                ("mean_neighbors", .number(TemporalBenchmark.round(Double(reached) / Double(queries)))),
                ("neighbors_us", TemporalBenchmark.percentiles(latency)),
            ]
            if keepGraph, let graph = stores.graph { fields.append(("kept_graph", .string(graph.graph))) }
            return .object(fields)
        } catch {
            try? await stores.drop()
            throw error
        }
    }
}
