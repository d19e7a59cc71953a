import ApexCore
import ApexEngine
import ApexSQLite
import ApexTesting
import Testing

@testable import ApexFalkorDB

/// Text built to break out of a Cypher string travels through a real FalkorDB graph and comes back exactly.
///
/// Entity keys, string property values and fact texts hold quotes, backslashes,
/// braces, backticks, `$param` text, whole Cypher statements and Unicode of every
/// awkward kind. They are ingested through a ``MemoryService`` over SQLite and a
/// fresh FalkorDB graph; the answers must give them back unchanged, the graph must
/// hold every node it should (nothing deleted, nothing doubled), and the node and
/// edge properties on FalkorDB must hold exactly the text (read back with
/// parameterised queries, so that a lookup by the hostile text itself must match).
@Suite struct CypherInjectionTests {
    /// Strings that end a naive quoted literal, start a new clause, or strain a parser's idea of characters.
    static let hostile: [String] = [
        #"double "quoted" text"#,
        "single 'quoted' text",
        #"back\slash"#,
        #"trailing backslash\"#,
        #"\\"#,
        #"\""#,
        #"literal \n and \t and \u0041 escapes"#,
        "real\nnewline\r\nand\ttab",
        "{braces} {{double}} }{",
        "`backticks` `` `",
        "$param $0 ${x} $",
        "CYPHER x=1 MATCH (n) DETACH DELETE n",
        #"CYPHER x="1" MATCH (n) DETACH DELETE n"#,
        #""}) DETACH DELETE n //"#,
        #"') DETACH DELETE n //"#,
        "' OR 1=1 --",
        #"" OR 1=1 --"#,
        "RETURN 1; MATCH (n) DETACH DELETE n",
        "a/b/c",
        "😀 👩‍👩‍👧‍👦 🇺🇦",
        "שלום عربى RTL \u{202E}override\u{202C}",
        "e\u{0301} n\u{0303} Z\u{0351}\u{0352}\u{0353} combining",
        "\u{2028}line separators\u{2029}",
        "control \u{1} \u{1F} \u{7F}",
    ]

    static let first = "2025-01-01T00:00:00Z"
    static let second = "2025-06-01T00:00:00Z"
    static let afterBoth = "2025-07-01T00:00:00Z"

    /// The i-th hostile string, wrapping around.
    static func text(_ index: Int) -> String { hostile[index % hostile.count] }

    /// The records: per hostile string a Driver and a Tractor keyed by it, a Driver `hub` that KNOWS every Driver, and an ASSIGNED_TO per pair.
    static func records() -> [String] {
        var lines: [String] = [state("Driver", "hub", validAt: first, set: [("driver_id", "hub"), ("name", "hub")])]
        for index in hostile.indices {
            let key = text(index)
            lines.append(state("Driver", key, validAt: first, set: [("driver_id", .string(key)), ("name", .string(text(index + 1)))]))
            lines.append(
                state(
                    "Tractor", key, validAt: first,
                    set: [
                        ("unit_number", .string(key)), ("location", .string(key)),
                        ("specs", .object([("note", .string(key)), (key, .array([.string(text(index + 4))]))])),
                    ]))
            lines.append(state("Tractor", key, validAt: second, set: [("location", .string(text(index + 3)))]))
            lines.append(fact("KNOWS", from: ("Driver", "hub"), to: ("Driver", key), validAt: first, fact: key))
            lines.append(fact("ASSIGNED_TO", from: ("Driver", key), to: ("Tractor", key), validAt: first, fact: text(index + 2)))
        }
        return lines
    }

    /// A state record, written by the JSON writer so that every character is escaped as JSON wants.
    static func state(_ type: String, _ key: String, validAt: String, set: [(String, JSONValue)]) -> String {
        JSONWriter.string(
            .object([
                ("kind", "state"), ("entity", .object([("type", .string(type)), ("key", .string(key))])), ("valid_at", .string(validAt)),
                ("set", .object(set)), ("recorded_at", .string(validAt)),
            ]))
    }

    /// A fact record, written by the JSON writer.
    static func fact(_ relation: String, from: (String, String), to: (String, String), validAt: String, fact: String) -> String {
        JSONWriter.string(
            .object([
                ("kind", "fact"), ("type", .string(relation)), ("from", .object([("type", .string(from.0)), ("key", .string(from.1))])),
                ("to", .object([("type", .string(to.0)), ("key", .string(to.1))])), ("valid_at", .string(validAt)), ("fact", .string(fact)),
                ("recorded_at", .string(validAt)),
            ]))
    }

    /// A memory over a fresh SQLite directory and a fresh FalkorDB graph, and that graph's store.
    static func memory(_ opened: OpenedStores) async throws -> (MemoryService, FalkorDBStore) {
        let graph = try await FalkorDBTestServer.freshStore(opened)
        let store = ComposedStore(records: try await SQLiteStore.open(directory: try SpecFixtures.temporaryDirectory()), graph: graph)
        return (MemoryService(store: store, clock: { SpecFixtures.now }), graph)
    }

    /// The single integer a counting query returns.
    static func count(_ graph: FalkorDBStore, _ text: String, _ parameters: [(name: String, value: CypherValue)] = []) async throws -> Int64 {
        let result = try await graph.query(CypherQuery(text, parameters), readOnly: true)
        return try #require(result.rows.first?.first?.integer, "\(text) returned no count")
    }

    /// A canonical JSON answer value as a string, or nil when it is not one.
    static func string(_ canonical: String?) -> String? {
        canonical.flatMap { try? JSONParser.parse($0) }?.stringValue
    }

    @Test func hostileKeysValuesAndFactsComeBackExactlyFromTheAnswers() async throws {
        try await OpenedStores.using { opened in
            let (memory, _) = try await Self.memory(opened)
            try await memory.ingest(lines: Self.records())
            let at = SpecFixtures.time(Self.afterBoth)
            for index in Self.hostile.indices {
                let key = Self.text(index)
                let tractor = try await memory.state(of: EntityRef(type: "Tractor", key: key), at: at)
                #expect(tractor.entity.ref.key == key)
                let properties = Dictionary(tractor.properties, uniquingKeysWith: { a, _ in a })
                #expect(Self.string(properties["unit_number"]) == key, "unit_number of \(index)")
                #expect(Self.string(properties["location"]) == Self.text(index + 3), "location of \(index)")
                let specs = try #require(properties["specs"].flatMap { try? JSONParser.parse($0) })
                #expect(specs["note"] == .string(key) && specs[key] == .array([.string(Self.text(index + 4))]), "specs of \(index)")
                #expect(tractor.relations.count == 1)
                #expect(tractor.relations.first?.relation == "ASSIGNED_TO")
                #expect(tractor.relations.first?.from.ref == EntityRef(type: "Driver", key: key), "the driver of \(index)")
                #expect(tractor.relations.first?.fact == Self.text(index + 2), "the ASSIGNED_TO fact of \(index)")

                let timeline = try await memory.timeline(of: EntityRef(type: "Tractor", key: key), property: "location")
                #expect(timeline.events.map { Self.string($0.value) } == [key, Self.text(index + 3)], "location timeline of \(index)")

                let driver = try await memory.state(of: EntityRef(type: "Driver", key: key), at: at)
                #expect(Self.string(Dictionary(driver.properties, uniquingKeysWith: { a, _ in a })["name"]) == Self.text(index + 1))
                let related = driver.relations.map { "\($0.relation) \($0.from.ref.key) -> \($0.to.ref.key) : \($0.fact ?? "nil")" }.sorted()
                let expected = ["ASSIGNED_TO \(key) -> \(key) : \(Self.text(index + 2))", "KNOWS hub -> \(key) : \(key)"].sorted()
                #expect(related == expected, "relations of driver \(index)")
            }
            let hub = try await memory.state(of: EntityRef(type: "Driver", key: "hub"), at: at)
            let known = hub.relations.filter { $0.relation == "KNOWS" }
            #expect(known.count == Self.hostile.count)
            #expect(Set(known.map(\.to.ref.key)) == Set(Self.hostile))
            #expect(known.allSatisfy { $0.fact == $0.to.ref.key && $0.from.ref.key == "hub" })
            let history = try await memory.history(of: EntityRef(type: "Driver", key: "hub"))
            #expect(Set(history.relations.compactMap(\.fact)) == Set(Self.hostile))
        }
    }

    @Test func theGraphKeepsEveryNodeAndHoldsTheTextExactly() async throws {
        try await OpenedStores.using { opened in
            let (memory, graph) = try await Self.memory(opened)
            let records = Self.records()
            try await memory.ingest(lines: records)
            let entities = Int64(2 * Self.hostile.count + 1)
            #expect(try await Self.count(graph, "MATCH (n:Entity) RETURN count(n)") == entities)
            #expect(try await Self.count(graph, "MATCH (n:SchemaVersion) RETURN count(n)") == Int64(FalkorDBMigrations.all.count))
            // One adjacency summary per entity with an edge.
            let linked = try await Self.count(graph, "MATCH (n:Entity) WHERE (n)-[:APEX_FACT|APEX_END]-() RETURN count(n)")
            #expect(try await Self.count(graph, "MATCH (n:ApexAdjacency) RETURN count(n)") == linked)
            #expect(try await Self.count(graph, "MATCH (n) RETURN count(n)") == entities + linked + Int64(FalkorDBMigrations.all.count))
            #expect(try await Self.count(graph, "MATCH ()-[e:APEX_FACT]->() RETURN count(e)") == Int64(2 * Self.hostile.count))
            #expect(
                try await Self.count(graph, "MATCH ()-[e:RELATES_TO]->() WHERE e.expired_at IS NULL RETURN count(e)") == Int64(2 * Self.hostile.count)
            )
            // The indexes the migrations made are still there.
            let indexes = try await graph.query(CypherQuery("CALL db.indexes() YIELD label RETURN label"), readOnly: true)
            let labels = Set(indexes.rows.compactMap { $0.first?.string })
            #expect(labels.isSuperset(of: ["Entity", "RELATES_TO"]), "\(labels)")

            for index in Self.hostile.indices {
                let key = Self.text(index)
                let tractorID = try #require(try await memory.store.entity(EntityRef(type: "Tractor", key: key))).id.description
                let driverID = try #require(try await memory.store.entity(EntityRef(type: "Driver", key: key))).id.description
                // The nodes, found by their uuids, hold the text unchanged.
                let tractor = try await graph.query(
                    CypherQuery(
                        "MATCH (n:Entity:Tractor {uuid: $id}) RETURN n.apex_key, n.unit_number, n.location, n.name, n.specs, n.apex_type",
                        [("id", .string(tractorID))]),
                    readOnly: true)
                #expect(tractor.rows.count == 1, "Tractor node \(index)")
                if let row = tractor.rows.first {
                    #expect(row[0] == .string(key) && row[1] == .string(key) && row[3] == .string(key), "Tractor node \(index)")
                    #expect(row[2] == .string(Self.text(index + 3)), "Tractor node location \(index)")
                    let specs = row[4].string.flatMap { try? JSONParser.parse($0) }
                    #expect(specs?["note"] == .string(key) && specs?[key] == .array([.string(Self.text(index + 4))]), "Tractor node specs \(index)")
                    #expect(row[5] == .string("Tractor"))
                }
                let driver = try await graph.query(
                    CypherQuery("MATCH (n:Entity:Driver {uuid: $id}) RETURN n.apex_key, n.driver_id, n.name, n.summary", [("id", .string(driverID))]),
                    readOnly: true)
                #expect(
                    driver.rows == [[.string(key), .string(key), .string(Self.text(index + 1)), .string("Driver \(key)")]], "Driver node \(index)")

                // A lookup by the hostile key as a parameter finds exactly its nodes. FalkorDB's range index (4.16) cannot
                // match a string holding U+0001 (it finds nothing; a scan does), so such a key is looked up without the index.
                let keyLookup =
                    key.unicodeScalars.contains("\u{1}")
                    ? "MATCH (n:Entity) WHERE n.apex_key STARTS WITH $key AND size(n.apex_key) = size($key) RETURN n.uuid ORDER BY n.uuid"
                    : "MATCH (n:Entity) WHERE n.apex_key = $key RETURN n.uuid ORDER BY n.uuid"
                let found = try await graph.query(CypherQuery(keyLookup, [("key", .string(key))]), readOnly: true)
                #expect(found.rows == [tractorID, driverID].sorted().map { [.string($0)] }, "nodes keyed \(index)")

                // The RELATES_TO edges graphiti reads carry the fact text exactly; so do apex's own APEX_FACT edges.
                let assigned = try await graph.query(
                    CypherQuery(
                        """
                        MATCH (a:Entity {uuid: $from})-[e:RELATES_TO]->(b:Entity {uuid: $to})
                        RETURN e.name, e.fact, e.apex_fact, e.expired_at, a.apex_key, b.apex_key
                        """,
                        [("from", .string(driverID)), ("to", .string(tractorID))]),
                    readOnly: true)
                let assignedFact = FalkorValue.string(Self.text(index + 2))
                #expect(
                    assigned.rows == [[.string("ASSIGNED_TO"), assignedFact, assignedFact, .null, .string(key), .string(key)]],
                    "ASSIGNED_TO edge \(index)")
                let knows = try await graph.query(
                    CypherQuery(
                        """
                        MATCH (:Entity {apex_key: 'hub'})-[e:RELATES_TO {fact: $fact}]->(b:Entity)
                        RETURN b.uuid, e.fact, e.apex_fact
                        """,
                        [("fact", .string(key))]),
                    readOnly: true)
                #expect(knows.rows == [[.string(driverID), .string(key), .string(key)]], "KNOWS edge \(index)")
                let raw = try await graph.query(
                    CypherQuery(
                        "MATCH (a:Entity {uuid: $from})-[f:APEX_FACT {relation: $relation}]->(b:Entity) RETURN f.fact, b.uuid",
                        [("from", .string(driverID)), ("relation", .string("ASSIGNED_TO"))]),
                    readOnly: true)
                #expect(raw.rows == [[assignedFact, .string(tractorID)]], "APEX_FACT edge \(index)")
            }

            // The same file again changes nothing: the hostile keys find their own nodes and edges.
            try await memory.ingest(lines: records)
            #expect(try await Self.count(graph, "MATCH (n:Entity) RETURN count(n)") == entities)
            #expect(try await Self.count(graph, "MATCH ()-[e:APEX_FACT]->() RETURN count(e)") == Int64(2 * Self.hostile.count))
            #expect(try await Self.count(graph, "MATCH ()-[e:RELATES_TO]->() RETURN count(e)") == Int64(2 * Self.hostile.count))
        }
    }

    /// Type and property names the ontology allows but a label cannot be: they stay out of query text, as map keys and parameters.
    static let unusualOntology = """
        name: unusual
        version: 1
        entity_types:
          Fahr-Zeug:
            key: kenn-zeichen
            properties:
              kenn-zeichen: {type: string, required: true}
              größe: {type: string}
              名前: {type: string}
              max-load: {type: integer}
          Машина:
            key: номер
            properties:
              номер: {type: string, required: true}
        relation_types:
          ZIEHT-AN: {from: Fahr-Zeug, to: Машина, cardinality: one_to_one}
        """

    @Test func unusualTypeAndPropertyNamesBecomeNoLabelAndStayExact() async throws {
        try await OpenedStores.using { opened in
            let (memory, graph) = try await Self.memory(opened)
            let key = #""}) DETACH DELETE n //"#
            let lines = [
                Self.state(
                    "Fahr-Zeug", key, validAt: Self.first,
                    set: [("kenn-zeichen", .string(key)), ("größe", .string(Self.text(0))), ("名前", .string(Self.text(19))), ("max-load", 12)]),
                Self.state("Машина", Self.text(7), validAt: Self.first, set: [("номер", .string(Self.text(7)))]),
                Self.fact("ZIEHT-AN", from: ("Fahr-Zeug", key), to: ("Машина", Self.text(7)), validAt: Self.first, fact: Self.text(13)),
            ]
            try await memory.ingest(lines: lines, ontology: Self.unusualOntology)
            let answer = try await memory.state(of: EntityRef(type: "Fahr-Zeug", key: key), at: SpecFixtures.time(Self.afterBoth))
            let properties = Dictionary(answer.properties, uniquingKeysWith: { a, _ in a })
            #expect(Self.string(properties["größe"]) == Self.text(0))
            #expect(Self.string(properties["名前"]) == Self.text(19))
            #expect(properties["max-load"] == "12")
            #expect(answer.relations.map(\.to.ref) == [EntityRef(type: "Машина", key: Self.text(7))])
            #expect(answer.relations.first?.fact == Self.text(13))

            let nodes = try await graph.query(
                CypherQuery(
                    "MATCH (n:Entity {apex_type: $type}) RETURN labels(n), n.apex_key, n.`größe`, n.`名前`, n.`max-load`, n.`kenn-zeichen`",
                    [("type", .string("Fahr-Zeug"))]),
                readOnly: true)
            #expect(nodes.rows.count == 1)
            if let row = nodes.rows.first {
                #expect(row[0] == .list([.string("Entity")]), "a type that cannot be a label gives the node none")
                #expect(row[1] == .string(key) && row[2] == .string(Self.text(0)) && row[3] == .string(Self.text(19)))
                #expect(row[4] == .integer(12) && row[5] == .string(key))
            }
            let edge = try await graph.query(
                CypherQuery(
                    "MATCH (a:Entity {apex_key: $from})-[e:RELATES_TO]->(b:Entity {apex_type: $type}) RETURN e.name, e.fact, b.apex_key",
                    [("from", .string(key)), ("type", .string("Машина"))]),
                readOnly: true)
            #expect(edge.rows.map { $0 } == [[.string("ZIEHT-AN"), .string(Self.text(13)), .string(Self.text(7))]])
            #expect(try await Self.count(graph, "MATCH (n:Entity) RETURN count(n)") == 2)
        }
    }
}
