import ApexMigrations

extension SQLiteMigrations {
    /// Version 8: `collection_vectors` as an ordinary rowid table with a unique index on (version, chunk_id).
    ///
    /// Its rows hold a whole vector (1.5 KB at 384 dimensions); in a
    /// WITHOUT ROWID table rows that large make every insert and the swap's
    /// exchange slow (SQLite recommends it for rows under a twentieth of a
    /// page). Measured on 100k chunks: see docs/benchmarks.md.
    static let v0008CollectionVectorsRowid = Migration(
        version: 8,
        name: "collection_vectors_rowid",
        up: """
            DROP TRIGGER chunks_collection_vectors_delete;
            CREATE TABLE collection_vectors_next (
                version INTEGER NOT NULL REFERENCES vector_collections (version) ON DELETE CASCADE,
                chunk_id INTEGER NOT NULL,
                embedding BLOB NOT NULL
            );
            INSERT INTO collection_vectors_next (version, chunk_id, embedding) SELECT version, chunk_id, embedding FROM collection_vectors;
            DROP TABLE collection_vectors;
            ALTER TABLE collection_vectors_next RENAME TO collection_vectors;
            CREATE UNIQUE INDEX collection_vectors_by_version ON collection_vectors (version, chunk_id);
            CREATE INDEX collection_vectors_by_chunk ON collection_vectors (chunk_id);
            CREATE TRIGGER chunks_collection_vectors_delete AFTER DELETE ON chunks BEGIN
                DELETE FROM collection_vectors WHERE chunk_id = old.rowid;
            END;
            """,
        down: """
            DROP TRIGGER chunks_collection_vectors_delete;
            CREATE TABLE collection_vectors_previous (
                version INTEGER NOT NULL REFERENCES vector_collections (version) ON DELETE CASCADE,
                chunk_id INTEGER NOT NULL,
                embedding BLOB NOT NULL,
                PRIMARY KEY (version, chunk_id)
            ) WITHOUT ROWID;
            INSERT INTO collection_vectors_previous (version, chunk_id, embedding) SELECT version, chunk_id, embedding FROM collection_vectors;
            DROP TABLE collection_vectors;
            ALTER TABLE collection_vectors_previous RENAME TO collection_vectors;
            CREATE INDEX collection_vectors_by_chunk ON collection_vectors (chunk_id);
            CREATE TRIGGER chunks_collection_vectors_delete AFTER DELETE ON chunks BEGIN
                DELETE FROM collection_vectors WHERE chunk_id = old.rowid;
            END;
            """
    )
}
