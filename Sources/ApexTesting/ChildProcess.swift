public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    public import Darwin
#endif

/// A process a test starts (`apex`, a private FalkorDB), its output going to files, stopped for sure when the test ends.
///
/// Started with `posix_spawn` and an empty signal mask: the test runner's
/// threads block SIGTERM, and a child started by Foundation's `Process`
/// inherits that mask, so a server that handles SIGTERM with a plain handler
/// (redis-server) would never see it. Output goes to files rather than pipes
/// so that nothing blocks a thread waiting for it; a test polls ``stdout``.
/// ``stop(grace:)`` is synchronous so that a `defer` can call it on every path out of a test.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let directory: String
    public let name: String
    /// The raw wait status, once the process has been reaped.
    private let waitStatus = Mutex<Int32?>(nil)

    public struct SpawnFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `executable` with `arguments` and `environment` (the test's own when nil); stdout and stderr go to files in a new temporary directory.
    public init(_ name: String, executable: URL, arguments: [String], environment: [String: String]? = nil) throws {
        self.name = name
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("apex-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory

        #if canImport(Glibc)
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #else
            var actions: posix_spawn_file_actions_t? = nil
            var attributes: posix_spawnattr_t? = nil
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, (directory as NSString).appendingPathComponent("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, (directory as NSString).appendingPathComponent("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable.path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw SpawnFailure(description: "\(name): posix_spawn \(executable.path) failed with error \(result)")
        }
        self.pid = pid
    }

    public var stdoutPath: String { (directory as NSString).appendingPathComponent("stdout") }
    public var stderrPath: String { (directory as NSString).appendingPathComponent("stderr") }

    /// What the process has written to stdout so far.
    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    /// What the process has written to stderr so far.
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    /// Both outputs, for failure messages.
    public var output: String { "\(name) stdout:\n\(stdout)\n\(name) stderr:\n\(stderr)" }

    /// Whether the process has not exited yet (reaping it when it has).
    public var isRunning: Bool {
        waitStatus.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid {
                status = raw
                return false
            }
            // -1: not our child any more (ECHILD); count it as gone.
            if reaped == -1 {
                status = -1
                return false
            }
            return true
        }
    }

    /// The exit code, or 128 + the signal that ended it; nil while running.
    public var exitCode: Int32? {
        guard !isRunning, let raw = waitStatus.withLock({ $0 }) else { return nil }
        if raw == -1 { return -1 }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    /// Waits (without blocking a thread) until the process exits; returns its exit code, or nil when it is still running at the deadline.
    public func exitStatus(within limit: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + limit
        while isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        return exitCode
    }

    /// Polls stdout until `match` finds something in it; nil when the process exits or the deadline passes first.
    public func waitForOutput<T>(within limit: Duration, _ match: (String) -> T?) async throws -> T? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let found = match(stdout) { return found }
            guard isRunning else { return match(stdout) }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Sends SIGTERM and waits for the exit, up to `grace`; then SIGKILL. Safe to call more than once, and from a `defer`.
    public func stop(grace: Duration = .seconds(10)) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if isRunning {
            kill(pid, SIGKILL)
            while isRunning { usleep(10_000) }
        }
    }

    /// Stops the process and removes its output files.
    public func stopAndRemove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Locating the `apex` binary the build made, and the example fleet in the repository.
public enum ApexBinary {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct NotBuilt: Error, CustomStringConvertible {
        public let looked: [String]
        public var description: String { "the apex binary was not found (looked at \(looked.joined(separator: ", "))); run swift build --build-tests first" }
    }

    /// The binary beside the test bundle (as `Tests/apexTests/CLITests.swift` finds it), else in `.build/debug`.
    public static func url() throws -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("apex"),
            Bundle.main.bundleURL.appendingPathComponent("apex"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("apex"),
            root.appendingPathComponent(".build/debug/apex"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw NotBuilt(looked: candidates.map(\.path))
        }
        return found
    }

    /// The environment for an `apex` process: the test's own, without the variables that would choose other stores.
    public static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["APEX_DATA", "APEX_DATABASE_URL", "APEX_GRAPH_URL", "APEX_CACHE_URL", "APEX_CACHE_NAMESPACE"] { environment.removeValue(forKey: name) }
        return environment
    }

    /// Starts `apex ARGUMENTS` (in the test's working directory: give paths in full, e.g. `--example-dir`).
    public static func start(_ arguments: [String], name: String = "apex") throws -> ChildProcess {
        try ChildProcess(name, executable: try url(), arguments: arguments, environment: environment)
    }

    /// The example fleet's directory, for `apex serve --example --example-dir`.
    public static var exampleDirectory: String { root.appendingPathComponent("examples/logistics").path }

    /// Runs `apex ARGUMENTS` to its end (at most `limit`) and returns it, stopped.
    public static func run(_ arguments: [String], within limit: Duration = .seconds(60)) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try start(arguments)
        defer { child.stopAndRemove() }
        guard let status = try await child.exitStatus(within: limit) else {
            throw ChildTimeout(description: "apex \(arguments.joined(separator: " ")) did not finish within \(limit)\n\(child.output)")
        }
        return (status, child.stdout, child.stderr)
    }

    public struct ChildTimeout: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }
}

/// Loopback TCP sockets for tests: a free port, or a listener that never answers.
public enum LoopbackSocket {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A bound, listening IPv4 socket on 127.0.0.1 and an ephemeral port; the caller closes it.
    public static func listen() throws -> (descriptor: Int32, port: Int) {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        // Not inherited by the processes tests start meanwhile.
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, systemListen(descriptor) == 0 else {
            close(descriptor)
            throw Failure(description: "bind() or listen() on 127.0.0.1 failed: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else {
            close(descriptor)
            throw Failure(description: "getsockname() failed: errno \(errno)")
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A port nothing listens on right now (bound once by the kernel's choice, then released).
    public static func freePort() throws -> Int {
        let (descriptor, port) = try listen()
        close(descriptor)
        return port
    }

    private static func systemListen(_ descriptor: Int32) -> Int32 {
        #if canImport(Glibc)
            Glibc.listen(descriptor, 16)
        #else
            Darwin.listen(descriptor, 16)
        #endif
    }
}
