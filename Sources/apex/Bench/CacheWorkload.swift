import ApexCore
import Foundation

/// The data and the access pattern of `apex bench cache`: units and drivers, `one_to_one` assignments, zipf-distributed reads.
///
/// Half the entities are units with a few status and mileage versions, half
/// drivers, each first assigned to a unit (so that reassignments supersede).
/// Reads and writes pick entities by a zipf law over a fixed shuffle: a few
/// entities are read very often, most rarely, as in the seeds' workloads.
struct CacheWorkload {
    let entities: Int
    let exponent: Double
    let seed: UInt64

    static let ontology = """
        name: bench-cache
        version: 1
        entity_types:
          Unit:
            key: id
            properties:
              id: {type: string, required: true}
              status: {type: string}
              miles: {type: integer}
          Driver:
            key: id
            properties:
              id: {type: string, required: true}
              name: {type: string}
        relation_types:
          DRIVES: {from: Driver, to: Unit, cardinality: one_to_one}
        """

    static let start = Timestamp(microseconds: 1_735_689_600_000_000)  // 2025-01-01T00:00:00Z
    static let day: Int64 = 86_400_000_000

    var units: Int { max(1, entities / 2) }
    var drivers: Int { max(1, entities - units) }

    /// The entity of a rank in the popularity order (rank 0 is the most read): units and drivers interleaved.
    func entity(rank: Int) -> EntityRef {
        rank.isMultiple(of: 2) ? EntityRef(type: "Unit", key: Self.unitKey(rank / 2 % units)) : EntityRef(type: "Driver", key: Self.driverKey(rank / 2 % drivers))
    }

    static func unitKey(_ index: Int) -> String { "U-\(index)" }
    static func driverKey(_ index: Int) -> String { "D-\(index)" }

    /// Writes the records; returns how many.
    func write(to path: String) throws -> Int {
        var lines: [String] = []
        lines.reserveCapacity(units * 3 + drivers * 2)
        var random = SplitMix64(seed: seed)
        for unit in 0..<units {
            for version in 0..<3 {
                let at = Timestamp(microseconds: Self.start.microseconds + Int64(version) * 30 * Self.day + Int64(random.next() % UInt64(Self.day)))
                let status = ["active", "in_repair", "active"][version]
                lines.append(
                    #"{"kind":"state","entity":{"type":"Unit","key":"\#(Self.unitKey(unit))"},"valid_at":"\#(at)","set":{"status":"\#(status)","miles":\#(100_000 + version * 1_000 + unit)}}"#)
            }
        }
        for driver in 0..<drivers {
            lines.append(#"{"kind":"state","entity":{"type":"Driver","key":"\#(Self.driverKey(driver))"},"valid_at":"\#(Self.start)","set":{"name":"Driver \#(driver)"}}"#)
            lines.append(Self.assignment(driver: driver, unit: driver % units, at: Timestamp(microseconds: Self.start.microseconds + Self.day)))
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return lines.count
    }

    static func assignment(driver: Int, unit: Int, at: Timestamp) -> String {
        #"{"kind":"fact","type":"DRIVES","from":{"type":"Driver","key":"\#(driverKey(driver))"},"to":{"type":"Unit","key":"\#(unitKey(unit))"},"valid_at":"\#(at)"}"#
    }
}

/// Draws ranks 0..<n with probability proportional to 1 / (rank + 1)^s, by binary search over the cumulative weights.
struct ZipfSampler {
    private let cumulative: [Double]

    init(count: Int, exponent: Double) {
        var total = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(count)
        for rank in 0..<max(1, count) {
            total += 1 / pow(Double(rank + 1), exponent)
            cumulative.append(total)
        }
        self.cumulative = cumulative.map { $0 / total }
    }

    func next(_ random: inout SplitMix64) -> Int {
        let draw = Double(random.next() >> 11) / Double(1 << 53)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < draw { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
