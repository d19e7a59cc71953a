public import ApexCore
public import ApexPorts
public import ApexRESP
import Crypto
public import Logging

/// The shared cache on Redis: the ``CacheStore`` protocol as three Lua scripts over our RESP client (docs/cache.md).
///
/// Every `apex serve` over the same stores points at the same Redis and
/// namespace; a write through any of them invalidates the entries of all.
/// Each operation is one round trip (`EVALSHA`, or `EVAL` after Redis lost
/// its script cache). An unreachable Redis is an error the engine turns into
/// reads from the stores and refused writes.
public struct RedisCacheStore: CacheStore {
    public let client: RESPClient
    public let url: RESPURL
    /// The prefix of every key: `apex:NAMESPACE`.
    public let prefix: String
    /// How long a write's busy marks hold when it never ends them.
    public let writeLease: Duration
    /// How long an entity's generation lives after its last write or fill; longer than any entry's TTL.
    public let generationLifetime: Duration

    private static let lookupScript = Script(RedisCacheScripts.lookup)
    private static let fillScript = Script(RedisCacheScripts.fill)
    private static let writeScript = Script(RedisCacheScripts.write)

    /// A client for the Redis at `url` (`redis://[user:pass@]host:port[/db]`); no connection is made until the first use.
    ///
    /// - Parameter namespace: tells apart memories sharing one Redis database (letters, digits, `_`, `-`).
    public static func connect(
        url text: String, namespace: String = "default", writeLease: Duration = .seconds(30), commandTimeout: Duration = .seconds(2),
        logger: Logger = RESPClient.defaultLogger
    ) throws -> RedisCacheStore {
        let url: RESPURL
        do {
            url = try RESPURL(text)
        } catch {
            throw RedisCacheError.badURL(reason: error.description)
        }
        guard url.scheme == .redis else { throw RedisCacheError.badURL(reason: "the cache URL must start with redis://") }
        guard !namespace.isEmpty, namespace.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw RedisCacheError.badNamespace(namespace)
        }
        var configuration = RESPConfiguration(url: url)
        configuration.connectTimeout = commandTimeout
        configuration.commandTimeout = commandTimeout
        configuration.leaseTimeout = commandTimeout
        configuration.maxConnections = 16
        return RedisCacheStore(
            client: RESPClient(configuration: configuration, logger: logger), url: url, prefix: "apex:\(namespace)", writeLease: writeLease)
    }

    public init(client: RESPClient, url: RESPURL, prefix: String, writeLease: Duration = .seconds(30), generationLifetime: Duration = .seconds(86_400)) {
        self.client = client
        self.url = url
        self.prefix = prefix
        self.writeLease = writeLease
        self.generationLifetime = generationLifetime
    }

    public func lookup(_ key: CacheKey) async throws -> CacheLookup {
        let reply = try await run(Self.lookupScript, [prefix, entryKey(key), key.owner.map(Self.name) ?? ""])
        guard let fields = reply.array, fields.count == 5, let global = fields[0].int, let owner = fields[1].int, let busy = fields[2].int,
            let epoch = fields[3].int
        else { throw RedisCacheError.unexpectedReply(server: url.server) }
        let stamp = CacheStamp(global: Int64(global), owner: Int64(owner), epoch: Int64(epoch), busy: busy != 0)
        return CacheLookup(value: fields[4].isNull ? nil : fields[4].bytes, stamp: stamp)
    }

    public func fill(_ key: CacheKey, value: [UInt8], partners: [EntityRef], ttl: Duration, stamp: CacheStamp) async throws -> Bool {
        var arguments: [[UInt8]] = [
            Array(prefix.utf8), Array(entryKey(key).utf8), Self.milliseconds(ttl), Array(String(stamp.global).utf8),
            Array((key.owner.map(Self.name) ?? "").utf8), Array(String(stamp.owner).utf8), Array(String(stamp.epoch).utf8), value,
            Self.milliseconds(generationLifetime),
        ]
        arguments += partners.map { Array(Self.name($0).utf8) }
        return try await run(Self.fillScript, arguments).int == 1
    }

    public func beginWrite(_ scope: CacheWriteScope) async throws { try await write(scope, begin: true) }

    public func endWrite(_ scope: CacheWriteScope) async throws { try await write(scope, begin: false) }

    private func write(_ scope: CacheWriteScope, begin: Bool) async throws {
        var arguments: [[UInt8]] = [
            Array(prefix.utf8), Self.milliseconds(writeLease), Self.milliseconds(generationLifetime), Array((scope.everything ? "1" : "0").utf8),
            Array((scope.supersedes ? "1" : "0").utf8), Array((begin ? "1" : "0").utf8),
        ]
        arguments += scope.entities.map { Array(Self.name($0).utf8) }
        _ = try await run(Self.writeScript, arguments)
    }

    public func claimFill(_ key: CacheKey, lease: Duration) async throws -> Bool {
        let command: [[UInt8]] = [Array("SET".utf8), Array("\(prefix):f:\(entryKey(key))".utf8), [0x31], Array("NX".utf8), Array("PX".utf8), Self.milliseconds(lease)]
        let reply = try await client.send(command)
        return !reply.isNull
    }

    public func releaseFill(_ key: CacheKey) async throws {
        _ = try await client.send(["DEL", "\(prefix):f:\(entryKey(key))"])
    }

    /// Read counts live in the sorted set `P:hot`, trimmed to the 10,000 most read.
    public func recordReads(_ counts: [EntityRef: Int]) async throws {
        guard !counts.isEmpty else { return }
        var commands = counts.map { ref, count in
            RESPCommand(bytes: [Array("ZINCRBY".utf8), Array("\(prefix):hot".utf8), Array(String(count).utf8), Array(Self.name(ref).utf8)])
        }
        commands.append(RESPCommand(["ZREMRANGEBYRANK", "\(prefix):hot", "0", "-10001"]))
        _ = try await client.pipeline(commands)
    }

    public func hottest(limit: Int) async throws -> [EntityRef] {
        guard limit > 0 else { return [] }
        let reply = try await client.send(["ZRANGE", "\(prefix):hot", "0", String(limit - 1), "REV"])
        guard let members = reply.array else { throw RedisCacheError.unexpectedReply(server: url.server) }
        return members.compactMap { member in member.string.flatMap(EntityRef.init(path:)) }
    }

    public func health() async -> StoreHealth {
        do {
            _ = try await client.send(["PING"])
            return StoreHealth(name: "cache", kind: "redis", healthy: true, detail: "\(url) (keys under \(prefix):)")
        } catch {
            return StoreHealth(name: "cache", kind: "redis", healthy: false, detail: "\(error)")
        }
    }

    /// Closes the connections.
    public func shutdown() async { await client.shutdown() }

    /// Deletes every key of this namespace (entries, generations, marks), a batch at a time; returns how many.
    @discardableResult
    public func deleteAll() async throws -> Int {
        var cursor = "0"
        var deleted = 0
        repeat {
            let reply = try await client.send(["SCAN", cursor, "MATCH", "\(prefix):*", "COUNT", "1000"])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let keys = parts[1].array else {
                throw RedisCacheError.unexpectedReply(server: url.server)
            }
            let names = keys.compactMap(\.bytes)
            if !names.isEmpty {
                _ = try await client.send([Array("UNLINK".utf8)] + names)
                deleted += names.count
            }
            cursor = next
        } while cursor != "0"
        return deleted
    }

    // MARK: Keys and scripts

    public func entryKey(_ key: CacheKey) -> String {
        "\(prefix):c:\(key.cacheClass.rawValue):\(key.owner.map(Self.name) ?? "-"):\(key.question)"
    }

    /// An entity as keys name it: `TYPE/KEY` (a type is a name without a slash).
    static func name(_ ref: EntityRef) -> String { "\(ref.type)/\(ref.key)" }

    static func milliseconds(_ duration: Duration) -> [UInt8] {
        let (seconds, attoseconds) = duration.components
        return Array(String(max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)).utf8)
    }

    /// A script and its SHA-1, for `EVALSHA`.
    struct Script: Sendable {
        let source: String
        let sha: String

        init(_ source: String) {
            self.source = source
            sha = Insecure.SHA1.hash(data: Array(source.utf8)).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
        }
    }

    /// Runs a script by its SHA-1, sending its text only when Redis does not hold it (after a restart or `SCRIPT FLUSH`).
    private func run(_ script: Script, _ arguments: [[UInt8]]) async throws -> RESPValue {
        do {
            return try await client.send(RESPCommand(bytes: [Array("EVALSHA".utf8), Array(script.sha.utf8), Array("0".utf8)] + arguments))
        } catch let error as RESPError where error.serverMessage?.hasPrefix("NOSCRIPT") == true {
            return try await client.send(RESPCommand(bytes: [Array("EVAL".utf8), Array(script.source.utf8), Array("0".utf8)] + arguments))
        }
    }

    private func run(_ script: Script, _ arguments: [String]) async throws -> RESPValue {
        try await run(script, arguments.map { Array($0.utf8) })
    }
}

/// Why the Redis cache could not be set up or used. Each case reads as one sentence.
public enum RedisCacheError: Error, Sendable, CustomStringConvertible {
    case badURL(reason: String)
    case badNamespace(String)
    case unexpectedReply(server: String)

    public var description: String {
        switch self {
        case .badURL(let reason): "the cache URL is not usable: \(reason)"
        case .badNamespace(let namespace): "the cache namespace \"\(namespace)\" must be letters, digits, _ or - (and not empty)"
        case .unexpectedReply(let server): "the Redis server at \(server) answered a cache script with a reply apex does not expect"
        }
    }
}
