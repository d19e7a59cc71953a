import ApexMigrations

extension PostgresMigrations {
    /// Version 1: the ontology, the entity id map, property versions, facts, their ends and the store's watermark (spec sections 1 to 3).
    ///
    /// Times are microseconds since the Unix epoch (`bigint`), exactly as the
    /// embedded store keeps them. Text that the tie rules compare uses the "C"
    /// collation, so that "the greater text" is the same byte order everywhere.
    static let v0001TemporalRecords = Migration(
        version: 1,
        name: "temporal_records",
        up: """
            CREATE TABLE ontology (
                id integer PRIMARY KEY CHECK (id = 1),
                name text NOT NULL,
                version integer NOT NULL,
                source text NOT NULL,
                stored_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE entities (
                id uuid PRIMARY KEY,
                type text COLLATE "C" NOT NULL,
                key text COLLATE "C" NOT NULL,
                UNIQUE (type, key)
            );
            CREATE TABLE property_versions (
                entity_id uuid NOT NULL REFERENCES entities (id),
                property text COLLATE "C" NOT NULL,
                valid_at bigint NOT NULL,
                recorded_at bigint NOT NULL,
                value text COLLATE "C",
                source text,
                PRIMARY KEY (entity_id, property, valid_at, recorded_at)
            );
            CREATE TABLE facts (
                relation text COLLATE "C" NOT NULL,
                from_id uuid NOT NULL REFERENCES entities (id),
                to_id uuid NOT NULL REFERENCES entities (id),
                valid_at bigint NOT NULL,
                recorded_at bigint NOT NULL,
                invalid_at bigint,
                fact text COLLATE "C",
                source text,
                PRIMARY KEY (from_id, relation, valid_at, to_id, recorded_at)
            );
            CREATE INDEX facts_by_target ON facts (to_id, relation, valid_at);
            CREATE TABLE fact_ends (
                relation text COLLATE "C" NOT NULL,
                from_id uuid NOT NULL REFERENCES entities (id),
                to_id uuid NOT NULL REFERENCES entities (id),
                invalid_at bigint NOT NULL,
                recorded_at bigint NOT NULL,
                source text,
                PRIMARY KEY (from_id, relation, to_id, invalid_at, recorded_at)
            );
            CREATE INDEX fact_ends_by_target ON fact_ends (to_id);
            CREATE TABLE store_watermark (
                id integer PRIMARY KEY CHECK (id = 1),
                max_recorded_at bigint
            );
            INSERT INTO store_watermark (id, max_recorded_at) VALUES (1, NULL);
            """,
        down: """
            DROP TABLE store_watermark;
            DROP TABLE fact_ends;
            DROP TABLE facts;
            DROP TABLE property_versions;
            DROP TABLE entities;
            DROP TABLE ontology;
            """
    )
}
