import Dispatch
import NIOCore
import NIOPosix

/// Starts `apex`. For `apex serve`, Swift Concurrency first runs on SwiftNIO's event loops,
/// so that a request is handled on the thread that read it instead of hopping to another pool.
@main
enum EntryPoint {
    static func main() {
        if CommandLine.arguments.dropFirst().first == "serve" {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await Apex.runMain()
            finished.signal()
        }
        finished.wait()
    }
}
