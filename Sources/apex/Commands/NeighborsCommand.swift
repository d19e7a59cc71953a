import ApexCore
import ApexEngine
import ArgumentParser
import Foundation

/// `apex neighbors TYPE/KEY`: the entities linked to one at a time, as known at another, within a number of hops.
struct NeighborsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neighbors",
        abstract: "Print the entities linked to an entity at a time, as known at another, up to --depth hops away.",
        discussion: """
            Each hop follows only relation instances valid at --at as known at --known-at (explicit ends and cardinality \
            supersession apply, as in apex state). Every neighbour appears once, at its smallest depth, with the entity it was \
            reached from and the relation (via) that links them. Works on every store: SQL tables on SQLite and PostgreSQL, the \
            Cypher graph with --graph-url.
            """
    )

    @Argument(help: "The entity, as TYPE/KEY.")
    var entity: String

    @Option(name: .long, help: "Valid time (RFC 3339; default now).")
    var at: String?

    @Option(name: .customLong("known-at"), help: "Transaction time (RFC 3339; default now).")
    var knownAt: String?

    @Option(name: .long, help: "How many hops to follow, 1 to \(MemoryService.maximumDepth) (default 1).")
    var depth = 1

    @Option(name: .long, help: "Follow only this relation type (repeatable, or comma-separated).")
    var relation: [String] = []

    @Option(name: .long, help: "outgoing, incoming or both (default both): which relations to follow, seen from the entity being left.")
    var direction = "both"

    @OptionGroup var options: DataOptions

    func run() async throws {
        let ref = try TimeArgument.entity(entity)
        let at = try TimeArgument.parse(at, option: "--at")
        let knownAt = try TimeArgument.parse(knownAt, option: "--known-at")
        guard let direction = TraversalDirection(rawValue: direction) else {
            throw CLIError.badArgument("--direction \(direction) is not outgoing, incoming or both")
        }
        let relations = relation.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
        let service = try await options.openService(mustExist: true)
        let answer = try await service.neighbors(of: ref, at: at, knownAt: knownAt, depth: depth, relations: relations, direction: direction)
        Console.answer(answer.json)
    }
}

/// `apex relations TYPE/KEY --with TYPE/KEY`: the history of the relations between two entities.
struct RelationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relations",
        abstract: "Print every relation instance between two entities, in either direction, as known at --known-at.",
        discussion: """
            Each instance carries its type, direction (seen from the first entity), valid_at, invalid_at (when it stopped being \
            valid, for any reason), ended_by (invalid_at, end, superseded, or null while open), fact and recorded_at.
            """
    )

    @Argument(help: "The first entity, as TYPE/KEY.")
    var entity: String

    @Option(name: .customLong("with"), help: "The other entity, as TYPE/KEY.")
    var other: String

    @Option(name: .customLong("known-at"), help: "Transaction time (RFC 3339; default now).")
    var knownAt: String?

    @OptionGroup var options: DataOptions

    func run() async throws {
        let ref = try TimeArgument.entity(entity)
        let other = try TimeArgument.entity(other)
        let knownAt = try TimeArgument.parse(knownAt, option: "--known-at")
        let service = try await options.openService(mustExist: true)
        Console.answer(try await service.relations(between: ref, and: other, knownAt: knownAt).json)
    }
}
