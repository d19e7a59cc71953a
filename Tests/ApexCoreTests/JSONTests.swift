import ApexCore
import Testing

@Suite struct JSONTests {
    @Test func parsesEveryKindOfValueAndKeepsMemberOrder() throws {
        let value = try JSONParser.parse(#" {"b":1,"a":[true,false,null,-2.5e3,"x\u00e9\n"],"c":{}} "#)
        #expect(value == ["b": 1, "a": [true, false, nil, -2500.0, "xé\n"], "c": [:]])
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members.map(\.0) == ["b", "a", "c"])
        #expect(try JSONParser.parse("9223372036854775807") == .integer(.max))
        #expect(try JSONParser.parse("9223372036854775808") == .number(9_223_372_036_854_775_808))
        #expect(try JSONParser.parse(#""\ud83d\ude9a""#) == "🚚")
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"abc", "{\"a\" 1}", "{\"a\":1}x", "\"\\x\"", "\"\\ud800\"", "{\"a\":1,\"a\":2}",
        "\"tab\there\"", "NaN", "1e999",
    ])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
    }

    @Test func errorsNameTheColumn() {
        #expect(throws: JSONSyntaxError(message: "expected ',' or '}' in an object", column: 8)) { try JSONParser.parse(#"{"a":1 "b":2}"#) }
    }

    @Test func writesCompactCanonicalText() throws {
        let value: JSONValue = ["s": "quote \" and \\ and \u{01}", "i": 3, "n": 2.5, "whole": 3.0, "l": [nil, true]]
        let text = JSONWriter.string(value)
        #expect(text == #"{"s":"quote \" and \\ and \u0001","i":3,"n":2.5,"whole":3.0,"l":[null,true]}"#)
        #expect(try JSONParser.parse(text) == value)
        #expect(JSONWriter.prettyString(["a": [1]]) == "{\n  \"a\": [\n    1\n  ]\n}")
    }
}
