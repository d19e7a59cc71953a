public import ApexCore

/// Datetimes as graphiti-core writes them: Python's `datetime.isoformat()` in UTC.
///
/// `2025-03-01T08:00:00+00:00`, with `.ffffff` (six digits) only when the
/// microseconds are not zero. graphiti compares these strings as they are,
/// so the form must be exactly this.
public enum GraphitiTime {
    public static func string(_ time: Timestamp) -> String {
        var text = time.rfc3339
        if text.hasSuffix("Z") { text.removeLast() }
        if let dot = text.firstIndex(of: ".") {
            let digits = text.distance(from: dot, to: text.endIndex) - 1
            if digits < 6 { text += String(repeating: "0", count: 6 - digits) }
        }
        return text + "+00:00"
    }
}
