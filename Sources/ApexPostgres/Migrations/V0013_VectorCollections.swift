import ApexMigrations

extension PostgresMigrations {
    /// Version 13: vector collections as versions (docs/vectors.md), as SQLite's migration 7 and 8 keep them: each
    /// version's spec and state (one live), and the vectors of versions whose embedder is not the live one's. A chunk's
    /// vectors go with it (a foreign key where SQLite has a trigger).
    static let v0013VectorCollections = Migration(
        version: 13,
        name: "vector_collections",
        up: """
            CREATE TABLE vector_collections (
                version integer PRIMARY KEY,
                spec text NOT NULL,
                state text NOT NULL CHECK (state IN ('building', 'ready', 'live', 'retired')),
                created_at bigint NOT NULL,
                swapped_at bigint
            );
            CREATE UNIQUE INDEX vector_collections_one_live ON vector_collections (state) WHERE state = 'live';
            CREATE TABLE collection_vectors (
                version integer NOT NULL REFERENCES vector_collections (version) ON DELETE CASCADE,
                chunk_id bigint NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
                embedding real[] NOT NULL,
                PRIMARY KEY (version, chunk_id)
            );
            CREATE INDEX collection_vectors_by_chunk ON collection_vectors (chunk_id);
            """,
        down: """
            DROP TABLE collection_vectors;
            DROP TABLE vector_collections;
            """
    )
}
