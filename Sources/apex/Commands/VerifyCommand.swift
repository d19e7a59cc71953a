import ApexCore
import ApexEngine
import ApexPorts
import ArgumentParser
import Foundation

/// `apex verify`: recover, then compare every configured store with the record store.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every configured store agrees with the record store; exits 0 only when they do.",
        discussion: """
            Recovers interrupted writes first (as every command does). With the graph on FalkorDB (--graph-url) it then \
            compares the graph with the record store: every entity has its node and every node an entity (the id map both \
            ways), nodes carry their entity's type, key and property values, current RELATES_TO edges are the relation \
            instances the graph's facts and ends make, and nothing a saga that did not commit wrote is left. Sagas live \
            processes are running are left out. With the embedded store or PostgreSQL alone, every write is one transaction \
            and there is nothing to compare. --repair rewrites what differs from the record store (nodes, edges) and undoes \
            half-written sagas, then compares again. Exit status: 0 when the stores agree (after the repair, with --repair), \
            1 when they do not.
            """
    )

    @OptionGroup var options: DataOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Rewrite what a store is missing or holds wrongly from the record store, then compare again.")
    var repair = false

    func run() async throws {
        let service = try await options.openService(mustExist: true)
        let recordKind = options.postgresURL == nil ? "sqlite" : "postgresql"
        // During a move this compares the configured stores (apex move verify compares the two sides).
        guard let composed = ((service.store as? MovingStore)?.source ?? service.store) as? ComposedStore else {
            let report = VerifyReport(stores: ["records: \(recordKind)"])
            print(json ? JSONWriter.string(report.json) : report.lines.joined(separator: "\n"))
            return
        }
        let stores = ["records: \(recordKind)", "graph: falkordb"]
        let now = Timestamp.wallClock
        let (report, before) = try await StoreVerifier(store: composed).verify(stores: stores, repair: repair, now: now)
        if before != nil {
            // What the graph held may have been answered from the cache: it goes.
            try await service.invalidateCache()
        }
        if json {
            var out = report.json
            if case .object(var members) = out, let before {
                members.append(("repaired", before.json))
                out = .object(members)
            }
            print(JSONWriter.string(out))
        } else {
            if let before { print((["before the repair:"] + before.lines.map { "  " + $0 } + ["after it:"]).joined(separator: "\n")) }
            print(report.lines.joined(separator: "\n"))
        }
        if !report.agrees { throw ExitCode(1) }
    }
}
