import ApexRESP
import Testing

/// The accessors read across RESP2 and RESP3 the way callers want.
@Suite struct RESPValueTests {
    @Test func strings() {
        #expect(RESPValue.simpleString("OK").string == "OK")
        #expect(RESPValue.bulk("ü").string == "ü")
        #expect(RESPValue.bulkString([0xFF, 0xFE]).string == nil)
        #expect(RESPValue.bulkString([0xFF, 0xFE]).bytes == [0xFF, 0xFE])
        #expect(RESPValue.verbatimString(format: "txt", text: "hi").string == "hi")
        #expect(RESPValue.integer(1).string == nil)
        #expect(RESPValue.bulkString(nil).string == nil)
    }

    @Test func numbers() {
        #expect(RESPValue.integer(42).int == 42)
        #expect(RESPValue.bulk("42").int == 42)
        #expect(RESPValue.bulk("4x").int == nil)
        #expect(RESPValue.double(1.5).double == 1.5)
        #expect(RESPValue.bulk("1.5").double == 1.5)
        #expect(RESPValue.integer(2).double == 2)
        #expect(RESPValue.boolean(true).bool == true)
        #expect(RESPValue.integer(0).bool == false)
        #expect(RESPValue.integer(2).bool == nil)
    }

    @Test func aggregates() {
        #expect(RESPValue.array([.integer(1)]).array == [.integer(1)])
        #expect(RESPValue.set([.integer(1)]).array == [.integer(1)])
        #expect(RESPValue.array(nil).array == nil)
        let flat = RESPValue.array([.bulk("proto"), .integer(2), .bulk("id"), .integer(7)])
        #expect(flat.map?.count == 2)
        #expect(flat["proto"] == .integer(2))
        let map = RESPValue.map([.init(key: .bulk("proto"), value: .integer(3))])
        #expect(map["proto"]?.int == 3)
        #expect(map["missing"] == nil)
        #expect(RESPValue.array([.integer(1)]).map == nil)
    }

    @Test func nulls() {
        #expect(RESPValue.null.isNull)
        #expect(RESPValue.bulkString(nil).isNull)
        #expect(RESPValue.array(nil).isNull)
        #expect(!RESPValue.bulk("").isNull)
        #expect(!RESPValue.array([]).isNull)
    }

    @Test func errorsAndPushes() {
        #expect(RESPValue.error("ERR x").errorMessage == "ERR x")
        #expect(RESPValue.bulkError("SYNTAX y").errorMessage == "SYNTAX y")
        #expect(RESPValue.simpleString("ERR").errorMessage == nil)
        #expect(RESPValue.push([]).isPush)
        #expect(!RESPValue.array([]).isPush)
    }

    @Test func accessorsLookThroughAttributes() {
        let value = RESPValue.attribute([.init(key: .simpleString("ttl"), value: .integer(5))], .integer(7))
        #expect(value.int == 7)
        #expect(value.withoutAttributes == .integer(7))
        #expect(RESPValue.attribute([], .push([])).isPush)
    }
}
