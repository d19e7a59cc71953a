import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The one directory a test process keeps its scratch files in, removed when the process exits.
///
/// Tests make a temporary directory per store or `apex` run, thousands in a
/// run of the test command (about 3 GB); each process puts them under its own
/// `apex-tests-PID` directory, removes it at exit, and removes those of test
/// processes that died without removing theirs.
enum TestScratch {
    static let prefix = "apex-tests-"

    /// This process's scratch root, made (and the removal at exit arranged) on first use.
    static let root: String = {
        let temporary = NSTemporaryDirectory()
        removeAbandoned(in: temporary)
        let path = (temporary as NSString).appendingPathComponent(prefix + String(getpid()))
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { TestScratch.removeRoot() }
        return path
    }()

    private static func removeRoot() {
        try? FileManager.default.removeItem(atPath: (NSTemporaryDirectory() as NSString).appendingPathComponent(prefix + String(getpid())))
    }

    /// Removes the scratch roots of processes that no longer run.
    private static func removeAbandoned(in temporary: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: (temporary as NSString).appendingPathComponent(name))
            }
        }
    }
}
