import ApexCore
import ApexEngine
import ArgumentParser

/// `apex entity ...`: questions about one entity as a whole.
struct EntityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entity",
        abstract: "Questions about one entity as a whole.",
        subcommands: [HistoryCommand.self]
    )

    /// `apex entity history TYPE/KEY`: every property event and relation interval, in valid-time order.
    struct HistoryCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "Print every property event and relation interval of an entity, in valid-time order.",
            discussion: """
                Property events carry value, valid_at, valid_to and recorded_at. Relation events carry the other entity, direction, \
                valid_at, invalid_at (when the relation stopped being valid, for any reason) and ended_by \
                (invalid_at, end, superseded, or null while open).
                """
        )

        @Argument(help: "The entity, as TYPE/KEY.")
        var entity: String

        @Option(name: .customLong("known-at"), help: "Transaction time (RFC 3339; default now).")
        var knownAt: String?

        @OptionGroup var options: DataOptions

        func run() async throws {
            let ref = try TimeArgument.entity(entity)
            let knownAt = try TimeArgument.parse(knownAt, option: "--known-at")
            let service = try await options.openService(mustExist: true)
            Console.answer(try await service.history(of: ref, knownAt: knownAt).json)
        }
    }
}
