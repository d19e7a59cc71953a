import Dispatch

/// Starts `apex`.
///
/// Swift Concurrency runs on its own cooperative pool, not on SwiftNIO's event
/// loops: with the event loops as the global executor a request was handled
/// on the thread that read it, but with a thousand connections some waited
/// seconds while others were served (wrk P99 over 40 times the mean latency the
/// throughput allows). On the pool, with ``AdmissionGate`` admitting requests
/// in arrival order, every connection is served in turn (docs/http.md, "Load").
/// A quiet server keeps each connection on its own event loop instead
/// (`EventLoopPinnedHTTP1`), which saves a request two thread hand-overs.
@main
enum EntryPoint {
    static func main() {
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await Apex.runMain()
            finished.signal()
        }
        finished.wait()
    }
}
