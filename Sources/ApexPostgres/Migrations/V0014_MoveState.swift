import ApexMigrations

extension PostgresMigrations {
    /// Version 14: the state of `apex move` (docs/moving.md): one row of JSON and its generation.
    static let v0014MoveState = Migration(
        version: 14,
        name: "move_state",
        up: """
            CREATE TABLE move_state (
                id integer PRIMARY KEY CHECK (id = 1),
                generation bigint NOT NULL,
                state text NOT NULL,
                updated_at bigint NOT NULL
            );
            """,
        down: """
            DROP TABLE move_state;
            """
    )
}
