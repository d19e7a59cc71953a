import ApexMigrations

extension PostgresMigrations {
    /// Version 2: documents (metadata as JSONB with a GIN index), chunks with a generated `tsvector` under a GIN index,
    /// entity mentions, the embedder identity and the vector generation counter.
    static let v0002Documents = Migration(
        version: 2,
        name: "documents",
        up: """
            CREATE TABLE documents (
                id uuid PRIMARY KEY,
                title text NOT NULL,
                content text NOT NULL,
                metadata jsonb NOT NULL DEFAULT '{}',
                source text,
                reference_time bigint,
                recorded_at bigint NOT NULL
            );
            CREATE INDEX documents_metadata ON documents USING gin (metadata jsonb_path_ops);
            CREATE TABLE chunks (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                ordinal integer NOT NULL,
                start_offset integer NOT NULL,
                end_offset integer NOT NULL,
                text text NOT NULL,
                embedding real[] NOT NULL,
                search tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED
            );
            CREATE INDEX chunks_by_document ON chunks (document_id, ordinal);
            CREATE INDEX chunks_search ON chunks USING gin (search);
            CREATE TABLE document_mentions (
                document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                entity_id uuid NOT NULL REFERENCES entities (id),
                PRIMARY KEY (document_id, entity_id)
            );
            CREATE INDEX document_mentions_by_entity ON document_mentions (entity_id);
            CREATE TABLE embedder (
                id integer PRIMARY KEY CHECK (id = 1),
                identity text NOT NULL,
                dimension integer NOT NULL
            );
            CREATE TABLE vector_generation (
                id integer PRIMARY KEY CHECK (id = 1),
                generation bigint NOT NULL
            );
            INSERT INTO vector_generation (id, generation) VALUES (1, 0);
            """,
        down: """
            DROP TABLE vector_generation;
            DROP TABLE embedder;
            DROP TABLE document_mentions;
            DROP TABLE chunks;
            DROP TABLE documents;
            """
    )
}
