import ApexMigrations

extension SQLiteMigrations {
    /// Version 1: the ontology, the entity id map, property versions, facts and their ends (spec sections 1 to 3).
    static let v0001TemporalRecords = Migration(
        version: 1,
        name: "temporal_records",
        up: """
            CREATE TABLE ontology (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                name TEXT NOT NULL,
                version INTEGER NOT NULL,
                source TEXT NOT NULL,
                stored_at INTEGER NOT NULL
            );
            CREATE TABLE entities (
                id BLOB PRIMARY KEY CHECK (length(id) = 16),
                type TEXT NOT NULL,
                key TEXT NOT NULL,
                UNIQUE (type, key)
            ) WITHOUT ROWID;
            CREATE TABLE property_versions (
                entity_id BLOB NOT NULL REFERENCES entities (id),
                property TEXT NOT NULL,
                valid_at INTEGER NOT NULL,
                recorded_at INTEGER NOT NULL,
                value TEXT,
                source TEXT,
                PRIMARY KEY (entity_id, property, valid_at, recorded_at)
            ) WITHOUT ROWID;
            CREATE TABLE facts (
                relation TEXT NOT NULL,
                from_id BLOB NOT NULL REFERENCES entities (id),
                to_id BLOB NOT NULL REFERENCES entities (id),
                valid_at INTEGER NOT NULL,
                recorded_at INTEGER NOT NULL,
                invalid_at INTEGER,
                fact TEXT,
                source TEXT,
                PRIMARY KEY (from_id, relation, valid_at, to_id, recorded_at)
            ) WITHOUT ROWID;
            CREATE INDEX facts_by_target ON facts (to_id, relation, valid_at);
            CREATE TABLE fact_ends (
                relation TEXT NOT NULL,
                from_id BLOB NOT NULL REFERENCES entities (id),
                to_id BLOB NOT NULL REFERENCES entities (id),
                invalid_at INTEGER NOT NULL,
                recorded_at INTEGER NOT NULL,
                source TEXT,
                PRIMARY KEY (from_id, relation, to_id, invalid_at, recorded_at)
            ) WITHOUT ROWID;
            CREATE INDEX fact_ends_by_target ON fact_ends (to_id);
            """,
        down: """
            DROP TABLE fact_ends;
            DROP TABLE facts;
            DROP TABLE property_versions;
            DROP TABLE entities;
            DROP TABLE ontology;
            """
    )
}
