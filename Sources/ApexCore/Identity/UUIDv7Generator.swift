import Synchronization

/// Makes UUIDv7 ids (RFC 9562 section 5.7) that increase strictly within a process.
///
/// Layout: 48-bit Unix milliseconds, version 7, a 12-bit counter in `rand_a`
/// (RFC 9562 section 6.2, method 1) seeded randomly each new millisecond,
/// variant `10`, and 62 random bits. When the counter runs out within one
/// millisecond, or the clock steps back, the timestamp is advanced past the
/// last one issued, so ids never repeat or go backwards.
public final class UUIDv7Generator: Sendable {
    private struct State {
        var lastMilliseconds: UInt64 = 0
        var counter: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// A new id stamped with `unixMilliseconds` (or later, to stay monotonic).
    public func next(unixMilliseconds: UInt64) -> EntityID {
        var generator = SystemRandomNumberGenerator()
        let random = generator.next()
        let (milliseconds, counter) = state.withLock { state -> (UInt64, UInt64) in
            if unixMilliseconds > state.lastMilliseconds {
                state.lastMilliseconds = unixMilliseconds
                // Start low in the counter's range so that many ids fit in one millisecond.
                state.counter = random >> 55
            } else if state.counter < 0xFFF {
                state.counter += 1
            } else {
                state.lastMilliseconds += 1
                state.counter = random >> 55
            }
            return (state.lastMilliseconds, state.counter)
        }
        let high = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | counter
        let low = (generator.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return EntityID(high: high, low: low)
    }
}
