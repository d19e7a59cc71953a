import ApexRESP
import Foundation

/// The real FalkorDB server the integration tests run against, named by `APEX_TEST_GRAPH_URL` (`./scripts/test.sh` starts one).
///
/// Without the variable every integration test fails, naming it: a missing
/// server is never a silent skip. Tests share the server and run in
/// parallel, so each uses keys and graphs of its own (``key(_:)``).
enum GraphTestServer {
    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "APEX_TEST_GRAPH_URL is not set: run ./scripts/test.sh, which starts a throwaway FalkorDB and sets it (falkordb://127.0.0.1:PORT/apex)"
        }
    }

    static func url() throws -> RESPURL {
        guard let text = ProcessInfo.processInfo.environment["APEX_TEST_GRAPH_URL"], !text.isEmpty else { throw NotConfigured() }
        return try RESPURL(text)
    }

    /// The server's configuration with short bounds, so that a failing test fails fast.
    /// - Parameter patience: the command and lease timeouts; a test that checks sharing rather than speed gives more, since the
    ///   whole suite runs at once on two cores and may keep its tasks waiting.
    static func configuration(_ version: RESPProtocol = .resp3, maxConnections: Int = 4, patience: Duration = .seconds(10)) throws
        -> RESPConfiguration
    {
        var configuration = RESPConfiguration(url: try url(), protocolVersion: version)
        configuration.maxConnections = maxConnections
        configuration.connectTimeout = .seconds(5)
        configuration.commandTimeout = patience
        configuration.leaseTimeout = patience
        return configuration
    }

    /// A key no other test uses.
    static func key(_ name: String) -> String {
        "apex:test:\(name):\(UInt64.random(in: 0...UInt64.max))"
    }

    /// Runs `body` with a client of `configuration`, shut down afterwards whether `body` throws or not.
    static func withClient<Result: Sendable>(
        _ configuration: RESPConfiguration, _ body: (RESPClient) async throws -> Result
    ) async throws -> Result {
        let client = RESPClient(configuration: configuration)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }
}
