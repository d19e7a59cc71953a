import ApexCore
import Foundation

/// Writes the record file `apex bench temporal` ingests: a fleet's year of property changes and assignments.
///
/// Units change status, miles, location and fuel; most records arrive minutes
/// after they are valid, some days late, some are corrections of an earlier
/// valid time; drivers are reassigned between units (a one-to-one relation).
struct TemporalWorkload {
    let versions: Int
    let entities: Int
    let seed: UInt64

    static let ontology = """
        name: bench
        version: 1
        entity_types:
          Unit:
            description: A power unit of the benchmark fleet
            key: unit
            properties:
              unit: {type: string, required: true}
              status: {type: string, enum: [active, in_repair, retired]}
              miles: {type: integer}
              location: {type: string}
              fuel: {type: number}
          Driver:
            key: driver_id
            properties:
              driver_id: {type: string, required: true}
              name: {type: string}
        relation_types:
          DRIVES: {from: Driver, to: Unit, cardinality: one_to_one}
        """

    static let properties = ["status", "miles", "location", "fuel"]
    static let start = Timestamp.parse("2025-01-01T00:00:00Z") ?? Timestamp(microseconds: 0)
    static let span: Int64 = 365 * 86_400_000_000

    var drivers: Int { max(1, entities / 10) }
    var facts: Int { versions / 100 }

    static func unitKey(_ index: Int) -> String { "U" + String(index + 100_000) }

    /// Writes the file; returns the number of records.
    func write(to path: String) throws -> Int {
        guard let file = fopen(path, "w") else { throw CLIError.cannotRead(path: path, reason: "cannot create the benchmark file") }
        defer { fclose(file) }
        var random = SplitMix64(seed: seed)
        var buffer = ""
        buffer.reserveCapacity(1 << 20)
        var records = 0
        let step = Self.span / Int64(max(1, versions))
        let statuses = ["active", "in_repair", "retired"]
        let cities = ["Dallas, TX", "Tulsa, OK", "Memphis, TN", "Denver, CO", "Omaha, NE", "Reno, NV", "Boise, ID", "Fresno, CA"]
        let factEvery = max(1, versions / max(1, facts))
        for index in 0..<versions {
            let unit = Int(random.next() % UInt64(entities))
            let property = Self.properties[Int(random.next() % 4)]
            var validAt = Self.start.microseconds + Int64(index) * step + Int64(random.next() % 3_600_000_000)
            let roll = random.next() % 100
            var delay = Int64(60_000_000 + random.next() % 600_000_000)
            if roll < 2 { delay += Int64(86_400_000_000 * (1 + random.next() % 7)) }  // late arrival
            if roll == 99, index > 100 { validAt -= Int64(random.next() % 2_592_000_000_000) }  // a correction of the past month
            let value: String =
                switch property {
                case "status": "\"\(statuses[Int(random.next() % 3)])\""
                case "miles": String(100_000 + index / 10 + Int(random.next() % 1000))
                case "location": "\"\(cities[Int(random.next() % UInt64(cities.count))])\""
                default: String(format: "%.1f", Double(random.next() % 2000) / 10)
                }
            buffer += "{\"kind\":\"state\",\"entity\":{\"type\":\"Unit\",\"key\":\"\(Self.unitKey(unit))\"},\"valid_at\":\""
            buffer += Timestamp(microseconds: validAt).rfc3339 + "\",\"set\":{\"\(property)\":\(value)},\"recorded_at\":\""
            buffer += Timestamp(microseconds: validAt + delay).rfc3339 + "\",\"source\":\"bench\"}\n"
            records += 1
            if index % factEvery == 0 {
                let driver = Int(random.next() % UInt64(drivers))
                buffer += "{\"kind\":\"fact\",\"type\":\"DRIVES\",\"from\":{\"type\":\"Driver\",\"key\":\"D\(driver)\"},"
                buffer += "\"to\":{\"type\":\"Unit\",\"key\":\"\(Self.unitKey(unit))\"},\"valid_at\":\"\(Timestamp(microseconds: validAt).rfc3339)\","
                buffer += "\"recorded_at\":\"\(Timestamp(microseconds: validAt + delay).rfc3339)\"}\n"
                records += 1
            }
            if buffer.utf8.count > 1 << 20 {
                fputs(buffer, file)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        fputs(buffer, file)
        return records
    }
}
