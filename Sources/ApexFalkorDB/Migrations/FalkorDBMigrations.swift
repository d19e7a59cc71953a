public import ApexMigrations

/// The versioned Cypher migrations of the graph, applied by `apex migrate` on FalkorDB (DESIGN.md, "Schemas are migrations").
///
/// Statements are separated by a line holding only `;`. Version 1 creates the
/// indexes graphiti-core 0.31's `build_indices_and_constraints` creates on
/// FalkorDB, verbatim, so that graphiti's own searches work on apex's graph;
/// version 2 the indexes apex's own queries use; version 3 the adjacency summaries traversals read.
public enum FalkorDBMigrations {
    public static let all: [Migration] = [v0001GraphitiIndexes, v0002ApexIndexes, v0003AdjacencySummaries]

    /// The fulltext stop words graphiti-core gives FalkorDB (`graphiti_core.driver.falkordb.STOPWORDS`).
    static let stopwords =
        "['a', 'is', 'the', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'it', 'no', 'not', 'of', 'on', "
        + "'or', 'such', 'that', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was', 'will', 'with']"

    static let v0001GraphitiIndexes = Migration(
        version: 1,
        name: "graphiti_indexes",
        up: """
            CREATE INDEX FOR (n:Entity) ON (n.uuid, n.group_id, n.name, n.created_at)
            ;
            CREATE INDEX FOR (n:Episodic) ON (n.uuid, n.group_id, n.created_at, n.valid_at)
            ;
            CREATE INDEX FOR (n:Community) ON (n.uuid)
            ;
            CREATE INDEX FOR (n:Saga) ON (n.uuid, n.group_id, n.name)
            ;
            CREATE INDEX FOR ()-[e:RELATES_TO]-() ON (e.uuid, e.group_id, e.name, e.created_at, e.expired_at, e.valid_at, e.invalid_at)
            ;
            CREATE INDEX FOR ()-[e:MENTIONS]-() ON (e.uuid, e.group_id)
            ;
            CREATE INDEX FOR ()-[e:HAS_MEMBER]-() ON (e.uuid)
            ;
            CREATE INDEX FOR ()-[e:HAS_EPISODE]-() ON (e.uuid, e.group_id)
            ;
            CREATE INDEX FOR ()-[e:NEXT_EPISODE]-() ON (e.uuid, e.group_id)
            ;
            CREATE FULLTEXT INDEX FOR (n:Episodic) ON (n.content, n.source, n.source_description, n.group_id) OPTIONS {stopwords: \(stopwords)}
            ;
            CREATE FULLTEXT INDEX FOR (n:Entity) ON (n.name, n.summary, n.group_id) OPTIONS {stopwords: \(stopwords)}
            ;
            CREATE FULLTEXT INDEX FOR (n:Community) ON (n.name, n.group_id) OPTIONS {stopwords: \(stopwords)}
            ;
            CREATE FULLTEXT INDEX FOR ()-[e:RELATES_TO]-() ON (e.name, e.fact, e.group_id)
            """,
        down: """
            DROP FULLTEXT INDEX FOR ()-[e:RELATES_TO]-() ON (e.group_id)
            ;
            DROP FULLTEXT INDEX FOR ()-[e:RELATES_TO]-() ON (e.fact)
            ;
            DROP FULLTEXT INDEX FOR ()-[e:RELATES_TO]-() ON (e.name)
            ;
            DROP FULLTEXT INDEX FOR (n:Community) ON (n.group_id)
            ;
            DROP FULLTEXT INDEX FOR (n:Community) ON (n.name)
            ;
            DROP FULLTEXT INDEX FOR (n:Entity) ON (n.group_id)
            ;
            DROP FULLTEXT INDEX FOR (n:Entity) ON (n.summary)
            ;
            DROP FULLTEXT INDEX FOR (n:Entity) ON (n.name)
            ;
            DROP FULLTEXT INDEX FOR (n:Episodic) ON (n.group_id)
            ;
            DROP FULLTEXT INDEX FOR (n:Episodic) ON (n.source_description)
            ;
            DROP FULLTEXT INDEX FOR (n:Episodic) ON (n.source)
            ;
            DROP FULLTEXT INDEX FOR (n:Episodic) ON (n.content)
            ;
            DROP INDEX FOR ()-[e:NEXT_EPISODE]-() ON (e.group_id)
            ;
            DROP INDEX FOR ()-[e:NEXT_EPISODE]-() ON (e.uuid)
            ;
            DROP INDEX FOR ()-[e:HAS_EPISODE]-() ON (e.group_id)
            ;
            DROP INDEX FOR ()-[e:HAS_EPISODE]-() ON (e.uuid)
            ;
            DROP INDEX FOR ()-[e:HAS_MEMBER]-() ON (e.uuid)
            ;
            DROP INDEX FOR ()-[e:MENTIONS]-() ON (e.group_id)
            ;
            DROP INDEX FOR ()-[e:MENTIONS]-() ON (e.uuid)
            ;
            DROP INDEX FOR ()-[e:RELATES_TO]-() ON (e.invalid_at)
            ;
            DROP INDEX FOR ()-[e:RELATES_TO]-() ON (e.valid_at)
            ;
            DROP INDEX FOR ()-[e:RELATES_TO]-() ON (e.expired_at)
            ;
            DROP INDEX FOR ()-[e:RELATES_TO]-() ON (e.created_at)
            ;
            DROP INDEX FOR ()-[e:RELATES_TO]-() ON (e.name)
            ;
            DROP INDEX FOR ()-[e:RELATES_TO]-() ON (e.group_id)
            ;
            DROP INDEX FOR ()-[e:RELATES_TO]-() ON (e.uuid)
            ;
            DROP INDEX FOR (n:Saga) ON (n.name)
            ;
            DROP INDEX FOR (n:Saga) ON (n.group_id)
            ;
            DROP INDEX FOR (n:Saga) ON (n.uuid)
            ;
            DROP INDEX FOR (n:Community) ON (n.uuid)
            ;
            DROP INDEX FOR (n:Episodic) ON (n.valid_at)
            ;
            DROP INDEX FOR (n:Episodic) ON (n.created_at)
            ;
            DROP INDEX FOR (n:Episodic) ON (n.group_id)
            ;
            DROP INDEX FOR (n:Episodic) ON (n.uuid)
            ;
            DROP INDEX FOR (n:Entity) ON (n.created_at)
            ;
            DROP INDEX FOR (n:Entity) ON (n.name)
            ;
            DROP INDEX FOR (n:Entity) ON (n.group_id)
            ;
            DROP INDEX FOR (n:Entity) ON (n.uuid)
            """
    )

    /// apex's own lookups: entities by natural key, and the projection's integer times for range queries.
    ///
    /// No index on `APEX_FACT` or `APEX_END` properties: apex reaches them from an
    /// indexed `Entity`, and FalkorDB 4.16 answers an undirected pattern filtered
    /// on an indexed edge property with one direction only.
    static let v0002ApexIndexes = Migration(
        version: 2,
        name: "apex_indexes",
        up: """
            CREATE INDEX FOR (n:Entity) ON (n.apex_type, n.apex_key)
            ;
            CREATE INDEX FOR ()-[e:RELATES_TO]-() ON (e.valid_at_us, e.invalid_at_us, e.created_at_us, e.expired_at_us)
            """,
        down: """
            DROP INDEX FOR ()-[e:RELATES_TO]-() ON (e.expired_at_us)
            ;
            DROP INDEX FOR ()-[e:RELATES_TO]-() ON (e.created_at_us)
            ;
            DROP INDEX FOR ()-[e:RELATES_TO]-() ON (e.invalid_at_us)
            ;
            DROP INDEX FOR ()-[e:RELATES_TO]-() ON (e.valid_at_us)
            ;
            DROP INDEX FOR (n:Entity) ON (n.apex_key)
            ;
            DROP INDEX FOR (n:Entity) ON (n.apex_type)
            """
    )

    /// One `(:ApexAdjacency {uuid, summary})` node per entity with edges, listing its `APEX_FACT` and `APEX_END` edges
    /// (``AdjacencyItem``), built here from the edges already stored; apex keeps them current on every write after that.
    ///
    /// Frozen text, as every applied migration's: the live refresh is ``FalkorDBStore/adjacencyRefresh``.
    static let v0003AdjacencySummaries = Migration(
        version: 3,
        name: "adjacency_summaries",
        up: """
            CREATE INDEX FOR (s:ApexAdjacency) ON (s.uuid)
            ;
            MATCH (n:Entity)
            OPTIONAL MATCH (n)-[f:APEX_FACT]->(o:Entity)
            WITH n, collect('f o ' + o.uuid + ' ' + toString(f.valid_at) + ' ' + coalesce(toString(f.invalid_at), '-') + ' '
                + toString(f.recorded_at) + ' ' + coalesce(f.apex_saga, '-') + ' ' + f.relation) AS factsOut
            OPTIONAL MATCH (n)<-[f:APEX_FACT]-(o:Entity)
            WITH n, factsOut, collect('f i ' + o.uuid + ' ' + toString(f.valid_at) + ' ' + coalesce(toString(f.invalid_at), '-') + ' '
                + toString(f.recorded_at) + ' ' + coalesce(f.apex_saga, '-') + ' ' + f.relation) AS factsIn
            OPTIONAL MATCH (n)-[x:APEX_END]->(o:Entity)
            WITH n, factsOut, factsIn, collect('e o ' + o.uuid + ' - ' + toString(x.invalid_at) + ' '
                + toString(x.recorded_at) + ' ' + coalesce(x.apex_saga, '-') + ' ' + x.relation) AS endsOut
            OPTIONAL MATCH (n)<-[x:APEX_END]-(o:Entity)
            WITH n, factsOut, factsIn, endsOut, collect('e i ' + o.uuid + ' - ' + toString(x.invalid_at) + ' '
                + toString(x.recorded_at) + ' ' + coalesce(x.apex_saga, '-') + ' ' + x.relation) AS endsIn
            WITH n, factsOut + factsIn + endsOut + endsIn AS items
            WHERE size(items) > 0
            MERGE (s:ApexAdjacency {uuid: n.uuid})
            SET s.summary = string.join(items, '\\n')
            """,
        down: """
            MATCH (s:ApexAdjacency)
            DELETE s
            ;
            DROP INDEX FOR (s:ApexAdjacency) ON (s.uuid)
            """
    )

    /// The statements of one step, split on lines holding only `;`.
    static func statements(_ text: String) -> [String] {
        var statements: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces) == ";" {
                statements.append(current.joined(separator: "\n"))
                current.removeAll()
            } else {
                current.append(line)
            }
        }
        statements.append(current.joined(separator: "\n"))
        return statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
