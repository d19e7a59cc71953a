import ApexRESP
import Testing

/// `redis://` and `falkordb://` URLs: what they name, and one clear sentence for each way they can be wrong.
@Suite struct RESPURLTests {
    @Test func aPlainRedisURL() throws {
        let url = try RESPURL("redis://localhost")
        #expect(url.scheme == .redis)
        #expect(url.host == "localhost")
        #expect(url.port == 6379)
        #expect(url.username == nil)
        #expect(url.password == nil)
        #expect(url.database == 0)
        #expect(url.graph == nil)
    }

    @Test func aRedisURLWithEverything() throws {
        let url = try RESPURL("redis://app%40x:p%3Ass%2Fw%40rd@10.0.0.5:6380/3")
        #expect(url.username == "app@x")
        #expect(url.password == "p:ss/w@rd")
        #expect(url.host == "10.0.0.5")
        #expect(url.port == 6380)
        #expect(url.database == 3)
        #expect(!url.description.contains("p:ss"))
        #expect(url.description == "redis://app%40x:***@10.0.0.5:6380/3")
    }

    @Test func aPasswordAloneMeansTheDefaultUser() throws {
        let url = try RESPURL("redis://:secret@host:1234/")
        #expect(url.username == nil)
        #expect(url.password == "secret")
        #expect(url.database == 0)
        #expect(url.port == 1234)
    }

    @Test func aFalkorDBURLNamesAGraph() throws {
        let url = try RESPURL("falkordb://127.0.0.1:16379/apex")
        #expect(url.scheme == .falkordb)
        #expect(url.graph == "apex")
        #expect(url.database == 0)
        #expect(try RESPURL("FalkorDB://h/my%20graph").graph == "my graph")
        #expect(try RESPURL("falkordb://h").graph == nil)
        let configuration = RESPConfiguration(url: url)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 16379)
        #expect(configuration.server == "127.0.0.1:16379")
    }

    @Test func anIPv6Host() throws {
        let url = try RESPURL("redis://[::1]:7000")
        #expect(url.host == "::1")
        #expect(url.port == 7000)
        #expect(url.server == "[::1]:7000")
        #expect(try RESPURL("redis://[::1]").port == 6379)
    }

    @Test func anUnescapedSlashInThePasswordStaysInThePassword() throws {
        let url = try RESPURL("redis://u:pa/ss@host/2")
        #expect(url.password == "pa/ss")
        #expect(url.host == "host")
        #expect(url.database == 2)
    }

    static let bad: [(url: String, error: RESPURLError)] = [
        ("http://host:6379", .badScheme(url: "http://host:6379", scheme: "http")),
        ("rediss://host", .badScheme(url: "rediss://host", scheme: "rediss")),
        ("host:6379", .malformed(url: "host:6379")),
        ("redis://", .noHost(url: "redis://")),
        ("redis://:pw@:6379", .noHost(url: "redis://:***@:6379")),
        ("redis://host:0", .badPort(url: "redis://host:0", port: "0")),
        ("redis://host:65536", .badPort(url: "redis://host:65536", port: "65536")),
        ("redis://host:port", .badPort(url: "redis://host:port", port: "port")),
        ("redis://host:", .badPort(url: "redis://host:", port: "")),
        ("redis://host/x", .badDatabase(url: "redis://host/x", database: "x")),
        ("redis://host/-1", .badDatabase(url: "redis://host/-1", database: "-1")),
        ("redis://host/1/2", .badDatabase(url: "redis://host/1/2", database: "1/2")),
        ("redis://host?db=1", .queryNotSupported(url: "redis://host?db=1")),
        ("redis://u:%zz@host", .badPercentEncoding(url: "redis://u:***@host")),
        ("falkordb://host/a/b", .badGraph(url: "falkordb://host/a/b")),
    ]

    @Test(arguments: bad.map(\.url))
    func aBadURLIsOneSentence(_ text: String) throws {
        let expected = try #require(Self.bad.first { $0.url == text }).error
        #expect(throws: expected) { try RESPURL(text) }
        #expect(expected.description.hasPrefix("the URL "))
    }

    @Test func errorsNeverShowThePassword() {
        for text in ["redis://user:hunter2@host:99999", "redis://user:hunter2@host/x", "http://user:hunter2@host", "redis://user:hunter2@host?x"] {
            do {
                _ = try RESPURL(text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(!error.description.contains("hunter2"), "\(error)")
            }
        }
    }
}
