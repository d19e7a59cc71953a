import ApexCore
import ApexEngine
import ArgumentParser

/// `apex timeline TYPE/KEY --property P`: how one property changed over valid time.
struct TimelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Print the timeline of one property of an entity, as known at a transaction time.",
        discussion: "--from/--to keep the events whose interval [valid_at, valid_to) overlaps [from, to). A null value means unset."
    )

    @Argument(help: "The entity, as TYPE/KEY.")
    var entity: String

    @Option(name: .long, help: "The property.")
    var property: String

    @Option(name: .long, help: "Keep events valid at or after this time.")
    var from: String?

    @Option(name: .long, help: "Keep events that began before this time.")
    var to: String?

    @Option(name: .customLong("known-at"), help: "Transaction time (RFC 3339; default now).")
    var knownAt: String?

    @OptionGroup var options: DataOptions

    func run() async throws {
        let ref = try TimeArgument.entity(entity)
        let from = try TimeArgument.parse(from, option: "--from")
        let to = try TimeArgument.parse(to, option: "--to")
        let knownAt = try TimeArgument.parse(knownAt, option: "--known-at")
        let service = try await options.openService(mustExist: true)
        Console.answer(try await service.timeline(of: ref, property: property, from: from, to: to, knownAt: knownAt).json)
    }
}
