import ApexMigrations

extension PostgresMigrations {
    /// Version 3: the pgvector store's table: one vector per chunk with its filterable payload (JSONB, GIN), and the
    /// vector generation it has caught up with.
    ///
    /// The column is an unsized `vector`, so that any embedder fits; each
    /// indexed dimension gets a partial HNSW index on a cast (versions 4 to 6).
    /// Rolling back leaves the `vector` extension installed: other schemas may use it.
    static let v0003VectorItems = Migration(
        version: 3,
        name: "vector_items",
        up: """
            CREATE EXTENSION IF NOT EXISTS vector;
            CREATE TABLE vector_items (
                id bigint PRIMARY KEY,
                embedding vector NOT NULL,
                payload jsonb NOT NULL DEFAULT '{}'
            );
            CREATE INDEX vector_items_payload ON vector_items USING gin (payload jsonb_path_ops);
            CREATE TABLE vector_index_state (
                id integer PRIMARY KEY CHECK (id = 1),
                generation bigint NOT NULL
            );
            INSERT INTO vector_index_state (id, generation) VALUES (1, 0);
            """,
        down: """
            DROP TABLE vector_index_state;
            DROP TABLE vector_items;
            """
    )
}
