import ApexMigrations

extension SQLiteMigrations {
    /// Version 4: a counter bumped by every change to stored chunks, so that a saved vector index can tell whether it is current.
    static let v0004VectorGeneration = Migration(
        version: 4,
        name: "vector_generation",
        up: """
            CREATE TABLE vector_generation (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                generation INTEGER NOT NULL
            );
            INSERT INTO vector_generation (id, generation) VALUES (1, 0);
            """,
        down: """
            DROP TABLE vector_generation;
            """
    )
}
