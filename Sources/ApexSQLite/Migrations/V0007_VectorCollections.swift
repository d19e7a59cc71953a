import ApexMigrations

extension SQLiteMigrations {
    /// Version 7: vector collections as versions (docs/vectors.md): each version's spec and state, the live one being
    /// the alias searches go through, and the vectors of versions whose embedder is not the live one's.
    ///
    /// The chunks' own `embedding` always holds the live version's vectors;
    /// a version being built with another embedder keeps its vectors in
    /// `collection_vectors` until the swap exchanges them. A deleted chunk's
    /// vectors go with it (the trigger), so a rowid used again never inherits one.
    static let v0007VectorCollections = Migration(
        version: 7,
        name: "vector_collections",
        up: """
            CREATE TABLE vector_collections (
                version INTEGER PRIMARY KEY,
                spec TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('building', 'ready', 'live', 'retired')),
                created_at INTEGER NOT NULL,
                swapped_at INTEGER
            );
            CREATE UNIQUE INDEX vector_collections_one_live ON vector_collections (state) WHERE state = 'live';
            CREATE TABLE collection_vectors (
                version INTEGER NOT NULL REFERENCES vector_collections (version) ON DELETE CASCADE,
                chunk_id INTEGER NOT NULL,
                embedding BLOB NOT NULL,
                PRIMARY KEY (version, chunk_id)
            ) WITHOUT ROWID;
            CREATE INDEX collection_vectors_by_chunk ON collection_vectors (chunk_id);
            CREATE TRIGGER chunks_collection_vectors_delete AFTER DELETE ON chunks BEGIN
                DELETE FROM collection_vectors WHERE chunk_id = old.rowid;
            END;
            """,
        down: """
            DROP TRIGGER chunks_collection_vectors_delete;
            DROP TABLE collection_vectors;
            DROP TABLE vector_collections;
            """
    )
}
