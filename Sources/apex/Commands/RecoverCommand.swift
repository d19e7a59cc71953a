import ApexCore
import ApexEngine
import ArgumentParser

/// `apex recover`: finish or undo the multi-store writes an earlier process left half done.
struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Finish or undo the writes an earlier apex process left half done (it crashed or was killed).",
        discussion: """
            With the graph on FalkorDB (--graph-url) an ingest is a saga across the record store and the graph, logged in the \
            record store. Every apex command recovers first, so this is seldom needed; it prints what it did. A saga past the \
            record store's transaction is finished, any other undone, when no live process holds it: its owner on this host is \
            gone, or its 10-minute lease ran out. With the embedded store or PostgreSQL alone every write is one transaction and \
            there is nothing to recover.
            """
    )

    @OptionGroup var options: DataOptions

    func run() async throws {
        // Opening the service recovers (and says so on stderr): what is still in flight afterwards is held by live processes.
        let service = try await options.openService(mustExist: true)
        let inFlight = try await service.store.sagasInFlight()
        print(inFlight.isEmpty ? "no interrupted writes" : "\(inFlight.count) write(s) in flight, held by live processes")
    }
}
