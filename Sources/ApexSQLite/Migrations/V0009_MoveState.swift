import ApexMigrations

extension SQLiteMigrations {
    /// Version 9: the state of `apex move` (docs/moving.md): one row of JSON and its generation.
    static let v0009MoveState = Migration(
        version: 9,
        name: "move_state",
        up: """
            CREATE TABLE move_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                generation INTEGER NOT NULL,
                state TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            );
            """,
        down: """
            DROP TABLE move_state;
            """
    )
}
