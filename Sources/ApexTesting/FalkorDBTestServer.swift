public import ApexFalkorDB
import Foundation
import Synchronization

/// The real FalkorDB server the tests run against, named by `APEX_TEST_GRAPH_URL` (`./scripts/test.sh` starts one).
///
/// Each test gets graphs of its own (`t_<pid>_<n>`): a fresh graph costs
/// nothing on FalkorDB. Without the variable every test here fails, naming
/// it: a missing server is never a silent skip.
public enum FalkorDBTestServer {
    private static let counter = Atomic<Int>(0)

    enum SetupError: Error, CustomStringConvertible {
        case noServer
        var description: String {
            "APEX_TEST_GRAPH_URL is not set: run ./scripts/test.sh, which starts a throwaway FalkorDB and sets it"
        }
    }

    /// The server's URL as the environment gives it.
    public static func serverURL() throws -> FalkorDBURL {
        guard let text = ProcessInfo.processInfo.environment["APEX_TEST_GRAPH_URL"], !text.isEmpty else { throw SetupError.noServer }
        return try FalkorDBURL(text)
    }

    /// The URL of a graph no other test uses.
    public static func freshGraphURL(prefix: String = "t") throws -> String {
        let server = try serverURL()
        let number = counter.add(1, ordering: .relaxed).newValue
        return "falkordb://\(server.host):\(server.port)/\(prefix)_\(ProcessInfo.processInfo.processIdentifier)_\(number)"
    }

    /// A migrated store on a fresh graph, registered to be shut down with `opened`.
    public static func freshStore(_ opened: OpenedStores, url: String? = nil) async throws -> FalkorDBStore {
        let store = try await FalkorDBStore.connect(url: try url ?? freshGraphURL())
        await opened.add(store)
        return store
    }
}
