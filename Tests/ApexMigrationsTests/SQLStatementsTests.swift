import ApexMigrations
import Testing

/// Splitting migration SQL into statements for servers that take one at a time.
@Suite struct SQLStatementsTests {
    @Test func splitsAtSemicolonsAndDropsEmptyStatements() {
        #expect(SQLStatements.split("CREATE TABLE a (x int);\n\n  CREATE INDEX b ON a (x);;\n") == ["CREATE TABLE a (x int)", "CREATE INDEX b ON a (x)"])
        #expect(SQLStatements.split("SELECT 1") == ["SELECT 1"])
        #expect(SQLStatements.split("  ;\n-- only a comment;\n").isEmpty)
    }

    @Test func semicolonsInQuotesAndCommentsDoNotSplit() {
        let sql = """
            INSERT INTO t VALUES ('a;b', 'it''s; fine');
            SELECT "odd;name" FROM t; -- a comment; with a semicolon
            /* block; comment */ SELECT 2;
            CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
            CREATE FUNCTION g() RETURNS int AS $body$ SELECT 2; $body$ LANGUAGE sql
            """
        let statements = SQLStatements.split(sql)
        #expect(statements.count == 5)
        #expect(statements[0] == "INSERT INTO t VALUES ('a;b', 'it''s; fine')")
        #expect(statements[1] == "SELECT \"odd;name\" FROM t")
        #expect(statements[2] == "-- a comment; with a semicolon\n/* block; comment */ SELECT 2")
        #expect(statements[3].hasSuffix("$$ SELECT 1; $$ LANGUAGE sql"))
        #expect(statements[4].hasSuffix("$body$ SELECT 2; $body$ LANGUAGE sql"))
    }

    @Test func aPositionalParameterIsNotADollarQuote() {
        #expect(SQLStatements.split("SELECT $1; SELECT $2") == ["SELECT $1", "SELECT $2"])
    }
}
