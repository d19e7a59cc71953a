/// Records for the saga tests: a store's content before, and a write that changes every kind of thing a saga must undo.
public enum SagaFixtures {
    typealias F = SpecFixtures

    /// A tractor's status, an assignment and an acquaintance.
    public static let before = [
        F.state("6520", "2025-01-01T00:00:00Z", set: #"{"status":"active"}"#, recordedAt: "2025-01-01T00:00:00Z"),
        F.fact("ASSIGNED_TO", from: ("Driver", "D-1"), to: ("Tractor", "6520"), validAt: "2025-01-10T00:00:00Z", recordedAt: "2025-01-10T00:00:00Z"),
        F.fact("KNOWS", from: ("Driver", "D-1"), to: ("Driver", "D-2"), validAt: "2025-01-11T00:00:00Z", recordedAt: "2025-01-11T00:00:00Z"),
    ]

    /// Changes a property, supersedes the assignment (one_to_one), ends a relation and names an entity new to the stores.
    public static let write = [
        F.state("6520", "2025-02-01T00:00:00Z", set: #"{"status":"in_repair"}"#, recordedAt: "2025-02-01T00:00:00Z"),
        F.fact("ASSIGNED_TO", from: ("Driver", "D-3"), to: ("Tractor", "6520"), validAt: "2025-02-01T00:00:00Z", recordedAt: "2025-02-01T00:00:00Z"),
        F.end("KNOWS", from: ("Driver", "D-1"), to: ("Driver", "D-2"), invalidAt: "2025-02-02T00:00:00Z", recordedAt: "2025-02-02T00:00:00Z"),
        F.fact("KNOWS", from: ("Driver", "D-3"), to: ("Driver", "D-1"), validAt: "2025-02-03T00:00:00Z", recordedAt: "2025-02-03T00:00:00Z"),
    ]
}
