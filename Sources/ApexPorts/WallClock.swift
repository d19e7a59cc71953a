public import ApexCore
import Foundation

extension Timestamp {
    /// The system's wall clock now, truncated to the microsecond: the one place the ports and their adapters read it.
    public static var wallClock: Timestamp {
        Timestamp(microseconds: Int64((Date().timeIntervalSince1970 * 1_000_000).rounded(.down)))
    }
}
