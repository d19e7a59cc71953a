import ApexMigrations

extension SQLiteMigrations {
    /// Version 3: documents, their chunks with embeddings, full-text search (FTS5, BM25) and entity mentions (issue 4).
    static let v0003Documents = Migration(
        version: 3,
        name: "documents",
        up: """
            CREATE TABLE documents (
                id BLOB PRIMARY KEY CHECK (length(id) = 16),
                title TEXT NOT NULL,
                content TEXT NOT NULL,
                metadata TEXT NOT NULL DEFAULT '{}',
                source TEXT,
                reference_time INTEGER,
                recorded_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE chunks (
                rowid INTEGER PRIMARY KEY,
                document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                ordinal INTEGER NOT NULL,
                start_offset INTEGER NOT NULL,
                end_offset INTEGER NOT NULL,
                text TEXT NOT NULL,
                embedding BLOB NOT NULL
            );
            CREATE INDEX chunks_by_document ON chunks (document_id, ordinal);
            CREATE VIRTUAL TABLE chunks_fts USING fts5 (text, content = 'chunks', content_rowid = 'rowid');
            CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
                INSERT INTO chunks_fts (rowid, text) VALUES (new.rowid, new.text);
            END;
            CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
                INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
            END;
            CREATE TABLE document_mentions (
                document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                entity_id BLOB NOT NULL REFERENCES entities (id),
                PRIMARY KEY (document_id, entity_id)
            ) WITHOUT ROWID;
            CREATE INDEX document_mentions_by_entity ON document_mentions (entity_id);
            CREATE TABLE embedder (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                identity TEXT NOT NULL,
                dimension INTEGER NOT NULL
            );
            """,
        down: """
            DROP TABLE embedder;
            DROP TABLE document_mentions;
            DROP TRIGGER chunks_fts_delete;
            DROP TRIGGER chunks_fts_insert;
            DROP TABLE chunks_fts;
            DROP TABLE chunks;
            DROP TABLE documents;
            """
    )
}
