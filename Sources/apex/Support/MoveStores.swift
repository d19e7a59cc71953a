import ApexCore
import ApexEngine
import ApexPorts
import ArgumentParser
import Foundation

/// Opens the stores of a move's target, and puts a ``MovingStore`` in front of the configured stores during a move.
enum MoveStores {
    /// The configured store, behind a ``MovingStore`` when a move is under way or finished (or always, for apex serve).
    static func wrap(_ configured: any TemporalStore, always: Bool) async throws -> any TemporalStore {
        if !always {
            guard let stored = try await configured.moveState() else { return configured }
            guard try MoveState.parse(stored).phase != .rolledBack else { return configured }
        }
        let route = MoveRoute(source: configured, openTarget: { try await openTarget($0) }, log: { Console.error($0) })
        try await route.refresh()
        return MovingStore(route: route)
    }

    /// The target's options, as if given on the command line (an empty URL keeps the environment's out).
    static func options(of target: MoveTarget) throws -> DataOptions {
        var arguments = ["--database-url", target.databaseURL ?? "", "--graph-url", target.graphURL ?? ""]
        if let data = target.data { arguments += ["--data", data] }
        return try DataOptions.parse(arguments)
    }

    /// The target's stores, migrated.
    static func openTarget(_ target: MoveTarget) async throws -> any TemporalStore {
        try await options(of: target).openStore(mustExist: false)
    }
}
