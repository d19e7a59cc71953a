public import ApexCore
public import ApexEngine
import Foundation

/// Random record sets and a grid of queries over them, for property tests that compare two memories' answers
/// (two arrival orders on one adapter, or one record set on two adapters).
public enum RandomRecords {
    static let tractors = ["6520", "6521", "6522"]
    static let drivers = ["D-1", "D-2", "D-3"]
    static let day: Int64 = 86_400_000_000
    static let origin = SpecFixtures.time("2025-01-01T00:00:00Z")

    public static func time(_ days: Int64) -> String {
        Timestamp(microseconds: origin.microseconds + days * day).rfc3339
    }

    /// Decodes one random number into one record line, so that shrinking removes whole records.
    public static func line(_ seed: UInt64) -> String {
        var bits = seed
        func take(_ count: UInt64) -> Int {
            defer { bits /= count }
            return Int(bits % count)
        }
        let kind = take(10)
        let validDay = Int64(take(20))
        let recordedAt = time(validDay + Int64(take(6)))
        switch kind {
        case 0...5:
            let tractor = tractors[take(3)]
            let statuses = ["active", "in_repair", "retired"]
            switch take(4) {
            case 0: return SpecFixtures.state(tractor, time(validDay), unset: ["status"], recordedAt: recordedAt)
            case 1: return SpecFixtures.state(tractor, time(validDay), set: #"{"current_miles":\#(take(3) * 100)}"#, recordedAt: recordedAt)
            default: return SpecFixtures.state(tractor, time(validDay), set: #"{"status":"\#(statuses[take(3)])"}"#, recordedAt: recordedAt)
            }
        case 6...8:
            let relation = take(2) == 0 ? "ASSIGNED_TO" : "KNOWS"
            let from = ("Driver", drivers[take(3)])
            let to = relation == "KNOWS" ? ("Driver", drivers[take(3)]) : ("Tractor", tractors[take(3)])
            let invalidAt = take(3) == 0 ? time(validDay + 1 + Int64(take(10))) : nil
            return SpecFixtures.fact(relation, from: from, to: to, validAt: time(validDay), invalidAt: invalidAt, recordedAt: recordedAt)
        default:
            let relation = take(2) == 0 ? "ASSIGNED_TO" : "KNOWS"
            let from = ("Driver", drivers[take(3)])
            let to = relation == "KNOWS" ? ("Driver", drivers[take(3)]) : ("Tractor", tractors[take(3)])
            return SpecFixtures.end(relation, from: from, to: to, invalidAt: time(validDay + 1), recordedAt: recordedAt)
        }
    }

    /// Every answer (or error) for a grid of queries over every entity, ids removed.
    public static func answers(_ memory: MemoryService, queries: [UInt64]) async -> [String] {
        var results: [String] = []
        let refs = tractors.map { EntityRef(type: "Tractor", key: $0) } + drivers.map { EntityRef(type: "Driver", key: $0) }
        for query in queries {
            let ref = refs[Int(query % UInt64(refs.count))]
            let at = Timestamp(microseconds: origin.microseconds + Int64(query / 7 % 30) * day)
            // Every fourth query is as known now, which also sees records stored without recorded_at.
            let knownAt = query % 4 == 3 ? nil : Timestamp(microseconds: origin.microseconds + Int64(query / 211 % 32) * day)
            results.append(await describe { try await memory.state(of: ref, at: at, knownAt: knownAt).json })
            // Two or three hops: past the first level, each store reads the later facts its own way.
            results.append(await describe { try await memory.neighbors(of: ref, at: at, knownAt: knownAt, depth: 2 + Int(query % 2)).json })
            if ref.type == "Tractor" {
                let property = query % 2 == 0 ? "status" : "current_miles"
                results.append(await describe { try await memory.timeline(of: ref, property: property, knownAt: knownAt).json })
            }
        }
        return results
    }

    public static func describe(_ body: () async throws -> JSONValue) async -> String {
        do {
            return JSONWriter.string(ConformanceSuite.withoutIDs(try await body()))
        } catch {
            return "error: \(error)"
        }
    }
}
