import ApexCore
import ApexEngine
import ArgumentParser

/// `apex state TYPE/KEY [--at T] [--known-at T]`: what was true about an entity.
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Print an entity's properties and relations at a valid time, as known at a transaction time.",
        discussion: "In TYPE/KEY the key is everything after the first /. --at and --known-at default to now."
    )

    @Argument(help: "The entity, as TYPE/KEY (e.g. Tractor/6520).")
    var entity: String

    @Option(name: .long, help: "Valid time: when in the world (RFC 3339; default now).")
    var at: String?

    @Option(name: .customLong("known-at"), help: "Transaction time: as the memory knew it then (RFC 3339; default now).")
    var knownAt: String?

    @OptionGroup var options: DataOptions

    func run() async throws {
        let ref = try TimeArgument.entity(entity)
        let at = try TimeArgument.parse(at, option: "--at")
        let knownAt = try TimeArgument.parse(knownAt, option: "--known-at")
        let service = try await options.openService(mustExist: true)
        Console.answer(try await service.state(of: ref, at: at, knownAt: knownAt).json)
    }
}
