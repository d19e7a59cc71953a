import Foundation
import Synchronization

/// Named places in a multi-store write where a test can make apex die at once (SIGKILL) or stop a while, to check what
/// recovery does and what readers see meanwhile.
///
/// `APEX_FAULT_KILL_AT=NAME` kills the process the first time it passes
/// `NAME`, `NAME#N` on its N-th pass. `APEX_FAULT_PAUSE_AT=NAME` stops it
/// there for `APEX_FAULT_PAUSE_SECONDS` (default 5), after saying so on
/// stderr. Unset (always, outside tests) a pass costs one comparison. The
/// points are listed in docs/graph.md ("Writes").
public enum FaultPoint {
    /// The environment variable that names the point to die at.
    public static let variable = "APEX_FAULT_KILL_AT"
    /// The environment variable that names the point to stop at.
    public static let pauseVariable = "APEX_FAULT_PAUSE_AT"

    private static let target: (name: String, pass: Int)? = {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else { return nil }
        let parts = text.split(separator: "#", maxSplits: 1)
        let pass = parts.count == 2 ? Int(parts[1]) ?? 1 : 1
        return (String(parts[0]), max(1, pass))
    }()

    private static let pause: (name: String, seconds: Double)? = {
        let environment = ProcessInfo.processInfo.environment
        guard let name = environment[pauseVariable], !name.isEmpty else { return nil }
        return (name, environment["APEX_FAULT_PAUSE_SECONDS"].flatMap(Double.init) ?? 5)
    }()

    private static let passes = Mutex(0)
    private static let armed = Mutex<String?>(nil)

    /// Makes the next pass of `name` in this process throw ``FaultInjected`` (for `apex bench write`, which times the undoing
    /// of a write that failed half way).
    public static func failNext(at name: String) {
        armed.withLock { $0 = name }
    }

    /// Marks that the process reached `name`; dies, stops or fails here when the environment (or ``failNext(at:)``) says so.
    public static func reached(_ name: String) throws {
        if armed.withLock({ point in
            guard point == name else { return false }
            point = nil
            return true
        }) {
            throw FaultInjected(point: name)
        }
        if let pause, pause.name == name {
            FileHandle.standardError.write(Data("apex: fault injection: paused at \(name)\n".utf8))
            Thread.sleep(forTimeInterval: pause.seconds)
        }
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

/// A failure made on purpose at a fault point (``FaultPoint/failNext(at:)``).
public struct FaultInjected: Error, CustomStringConvertible {
    public let point: String

    public var description: String { "the write was made to fail at \(point) (fault injection)" }
}
