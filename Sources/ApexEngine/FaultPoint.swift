import Foundation
import Synchronization

/// Named places in a multi-store write where a test can make apex die at once (SIGKILL), to check what recovery does.
///
/// `APEX_FAULT_KILL_AT=NAME` kills the process the first time it passes
/// `NAME`, `NAME#N` on its N-th pass. Unset (always, outside tests) a pass
/// costs one comparison. The points are listed in docs/graph.md ("Writes").
public enum FaultPoint {
    /// The environment variable that names the point.
    public static let variable = "APEX_FAULT_KILL_AT"

    private static let target: (name: String, pass: Int)? = {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else { return nil }
        let parts = text.split(separator: "#", maxSplits: 1)
        let pass = parts.count == 2 ? Int(parts[1]) ?? 1 : 1
        return (String(parts[0]), max(1, pass))
    }()

    private static let passes = Mutex(0)

    /// Marks that the process reached `name`; dies here when the environment says so.
    public static func reached(_ name: String) {
        guard let target, target.name == name else { return }
        let count = passes.withLock { count in
            count += 1
            return count
        }
        guard count == target.pass else { return }
        FileHandle.standardError.write(Data("apex: fault injection: killed at \(name)\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
