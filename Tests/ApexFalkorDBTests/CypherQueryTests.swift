import ApexCore
@testable import ApexFalkorDB
import Testing

/// The parameter header FalkorDB reads: every value quoted and escaped, nothing from input in the query text.
@Suite struct CypherQueryTests {
    @Test func headerCarriesEveryParameterAfterTheKeyword() {
        let query = CypherQuery("RETURN $a, $b", [("a", .integer(-5)), ("b", .string("x"))])
        #expect(query.rendered == #"CYPHER a=-5 b="x" RETURN $a, $b"#)
    }

    @Test func queryWithoutParametersIsSentAsItIs() {
        #expect(CypherQuery("RETURN 1").rendered == "RETURN 1")
    }

    @Test(arguments: [
        (#"a"b"#, #""a\"b""#),
        (#"back\slash"#, #""back\\slash""#),
        ("new\nline", "\"new\nline\""),
        ("} RETURN 1 //", "\"} RETURN 1 //\""),
        ("CYPHER x=1 MATCH (n) DETACH DELETE n", "\"CYPHER x=1 MATCH (n) DETACH DELETE n\""),
        ("ünï😀", "\"ünï😀\""),
        (#"\""#, #""\\\"""#),
    ])
    func stringsAreQuotedAndEscaped(input: String, rendered: String) {
        var text = ""
        CypherValue.string(input).write(into: &text)
        #expect(text == rendered)
    }

    @Test func valuesOfEveryKindRender() {
        var text = ""
        CypherValue.list([.null, .bool(true), .integer(3), .double(2.0), .double(0.5), .map([("k", .string("v")), ("odd key", .integer(1))])])
            .write(into: &text)
        #expect(text == #"[null, true, 3, 2.0, 0.5, {`k`: "v", `odd key`: 1}]"#)
    }

    @Test func vectorsRenderAsFloatsAndNonFiniteAsZero() {
        var text = ""
        CypherValue.vector([0.25, -1, .nan]).write(into: &text)
        #expect(text == "[0.25,-1.0,0]")
    }

    @Test func labelsRefuseWhatCannotBeQuoted() {
        #expect(CypherQuery.label("Tractor") == "`Tractor`")
        #expect(CypherQuery.label("_Trailer2") == "`_Trailer2`")
        #expect(CypherQuery.label("Has Space") == nil)
        #expect(CypherQuery.label("2Fast") == nil)
        #expect(CypherQuery.label("Tractor-X") == nil)
        #expect(CypherQuery.label("Tick`Inside") == nil)
        #expect(CypherQuery.label("") == nil)
        #expect(CypherQuery.label("line\nbreak") == nil)
    }

    @Test func graphitiTimesAreIsoformatInUTC() {
        #expect(GraphitiTime.string(Timestamp.parse("2025-03-01T08:00:00Z")!) == "2025-03-01T08:00:00+00:00")
        #expect(GraphitiTime.string(Timestamp.parse("2025-03-01T08:00:00.5Z")!) == "2025-03-01T08:00:00.500000+00:00")
        #expect(GraphitiTime.string(Timestamp.parse("2025-03-01T08:00:00.000001Z")!) == "2025-03-01T08:00:00.000001+00:00")
    }

    @Test func graphURLsNameTheGraphAndRefuseBadOnes() throws {
        let url = try FalkorDBURL("falkordb://user:p%40ss@127.0.0.1:6380/fleet_1")
        #expect(url.host == "127.0.0.1" && url.port == 6380 && url.graph == "fleet_1" && url.password == "p@ss" && url.username == "user")
        #expect(try FalkorDBURL("falkordb://localhost").graph == "apex")
        #expect(throws: FalkorDBStoreError.self) { try FalkorDBURL("falkordb://localhost/bad-name") }
        #expect(throws: FalkorDBStoreError.self) { try FalkorDBURL("postgres://localhost/x") }
    }

    @Test func migrationStatementsSplitOnSemicolonLines() {
        #expect(FalkorDBMigrations.statements("A\n;\nB\nC\n  ;  \n") == ["A", "B\nC"])
        #expect(FalkorDBMigrations.all.allSatisfy { !FalkorDBMigrations.statements($0.up).isEmpty && !FalkorDBMigrations.statements($0.down).isEmpty })
    }
}
