import ApexCore
import Foundation

/// The generated graph of `apex bench graph`: people who know each other and work on projects.
///
/// 90 % of the people, 10 % projects. Of the facts, 90 % are KNOWS between
/// random people (many_to_many) and 10 % WORKS_ON a project (many_to_one: a
/// later assignment supersedes the earlier); one KNOWS in 20 is ended by an
/// `end` record. Valid times spread over 2025; recorded a minute later.
struct GraphWorkload {
    let entities: Int
    let facts: Int
    let seed: UInt64

    static let ontology = """
        name: graph-bench
        version: 1
        entity_types:
          Person:
            key: id
            properties:
              id: {type: string, required: true}
              name: {type: string}
          Project:
            key: code
            properties:
              code: {type: string, required: true}
        relation_types:
          KNOWS: {from: Person, to: Person, cardinality: many_to_many}
          WORKS_ON: {from: Person, to: Project, cardinality: many_to_one}
        """

    static let start = Timestamp.parse("2025-01-01T00:00:00Z") ?? Timestamp(microseconds: 0)
    static let span: Int64 = 365 * 86_400_000_000

    var people: Int { max(2, entities * 9 / 10) }
    var projects: Int { max(1, entities - people) }

    static func personKey(_ index: Int) -> String { "P" + String(index + 100_000) }
    static func projectKey(_ index: Int) -> String { "J" + String(index + 10_000) }

    /// Writes the records (one state per entity, then the facts and ends) and returns how many.
    func write(to path: String) throws -> Int {
        guard let file = fopen(path, "w") else { throw CLIError.cannotRead(path: path, reason: "cannot create the benchmark file") }
        defer { fclose(file) }
        var random = SplitMix64(seed: seed)
        var buffer = ""
        var records = 0
        func flush(force: Bool = false) {
            guard force || buffer.utf8.count > 1 << 20 else { return }
            fputs(buffer, file)
            buffer.removeAll(keepingCapacity: true)
        }
        let origin = Self.start.rfc3339
        for index in 0..<people {
            buffer += #"{"kind":"state","entity":{"type":"Person","key":"\#(Self.personKey(index))"},"valid_at":"\#(origin)","set":{"name":"Person \#(index)"},"recorded_at":"\#(origin)"}"#
            buffer += "\n"
            records += 1
            flush()
        }
        for index in 0..<projects {
            let key = Self.projectKey(index)
            buffer += #"{"kind":"state","entity":{"type":"Project","key":"\#(key)"},"valid_at":"\#(origin)","set":{"code":"\#(key)"},"recorded_at":"\#(origin)"}"#
            buffer += "\n"
            records += 1
            flush()
        }
        for index in 0..<facts {
            let validAt = Self.start.microseconds + Int64(random.next() % UInt64(Self.span))
            let valid = Timestamp(microseconds: validAt).rfc3339
            let recorded = Timestamp(microseconds: validAt + 60_000_000).rfc3339
            let person = Self.personKey(Int(random.next() % UInt64(people)))
            if index % 10 == 9 {
                let project = Self.projectKey(Int(random.next() % UInt64(projects)))
                buffer += #"{"kind":"fact","type":"WORKS_ON","from":{"type":"Person","key":"\#(person)"},"to":{"type":"Project","key":"\#(project)"},"valid_at":"\#(valid)","recorded_at":"\#(recorded)"}"#
            } else {
                let other = Self.personKey(Int(random.next() % UInt64(people)))
                buffer += #"{"kind":"fact","type":"KNOWS","from":{"type":"Person","key":"\#(person)"},"to":{"type":"Person","key":"\#(other)"},"valid_at":"\#(valid)","recorded_at":"\#(recorded)"}"#
                if index % 20 == 0 {
                    let ended = Timestamp(microseconds: validAt + Int64(random.next() % 7_776_000_000_000)).rfc3339
                    buffer += "\n"
                    buffer += #"{"kind":"end","type":"KNOWS","from":{"type":"Person","key":"\#(person)"},"to":{"type":"Person","key":"\#(other)"},"invalid_at":"\#(ended)","recorded_at":"\#(ended)"}"#
                    records += 1
                }
            }
            buffer += "\n"
            records += 1
            flush()
        }
        flush(force: true)
        return records
    }
}
