/// One value of a FalkorDB result in its compact form (`GRAPH.QUERY ... --compact`), where every value carries its type.
///
/// The compact form says whether `"2.5"` is a string or a double, which the
/// verbose form does not. apex's queries return scalars, lists and maps only.
public enum FalkorValue: Sendable, Equatable {
    case null
    case string(String)
    case integer(Int64)
    case bool(Bool)
    case double(Double)
    case list([FalkorValue])
    case map([(key: String, value: FalkorValue)])
    /// A `vecf32` property.
    case vector([Float])
    /// A node, an edge, a path or a point: apex never asks for one; kept as its type number.
    case other(type: Int64)

    public static func == (lhs: FalkorValue, rhs: FalkorValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.string(let a), .string(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.map(let a), .map(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        case (.vector(let a), .vector(let b)): a == b
        case (.other(let a), .other(let b)): a == b
        default: false
        }
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
