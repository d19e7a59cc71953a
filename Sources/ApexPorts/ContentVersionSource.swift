/// A store that can tell, without a network round trip, whether anything it holds has changed.
///
/// An answer computed from such a store holds for as long as its version does
/// not move, so a layer outside the engine (the HTTP server's answer memo) may
/// keep the answer's bytes and hand them out again after checking the version
/// alone. Only a store that holds every role can vouch for its whole content;
/// a composition of stores does not conform.
public protocol ContentVersionSource: Sendable {
    /// A value that moves whenever any writer, in this process or another, commits to the store; nil when the store
    /// cannot vouch for its content now (a wrapper whose reads may go elsewhere).
    ///
    /// It must cost no I/O beyond shared memory: callers may ask on an event loop.
    func contentVersion() throws -> Int64?
}
