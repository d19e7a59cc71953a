import ApexCore
@testable import ApexHTTP
import Dispatch
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `/health` answered on the event loop (`ProbeLane`): same answer as the route, answers in request order, counted.
@Suite struct ProbeLaneTests {
    @Test func pipelinedProbesAreAnsweredInRequestOrder() async throws {
        let (app, _) = try await HTTPFixtures.exampleApplication()
        try await app.test(.live) { client in
            // A first probe fills the health check, so the next ones are answered by the lane while it is fresh.
            #expect(try await client.call(.get, "/health").status == .ok)
            let port = try #require(client.port)
            let probe = "GET /health HTTP/1.1\r\nHost: apex\r\n\r\n"
            let ontology = "GET /api/v1/ontology HTTP/1.1\r\nHost: apex\r\n\r\n"
            // The ontology goes to the router; the probes after it arrive in the same read and must wait for its answer.
            let answers = try await RawHTTP.exchange(port: port, requests: probe + ontology + probe + probe + ontology + probe, answers: 6)
            let kinds = answers.map { $0.body.hasPrefix(#"{"status":"#) ? "health" : $0.body.hasPrefix(#"{"name":"logistics""#) ? "ontology" : "other" }
            #expect(kinds == ["health", "ontology", "health", "health", "ontology", "health"])
            for (answer, kind) in zip(answers, kinds) where kind == "health" {
                #expect(answer.status == 200)
                #expect(answer.headers["content-type"] == "application/json; charset=utf-8")
                #expect(answer.headers["date"]?.hasSuffix(" GMT") == true)
            }
            let metrics = try await client.call(.get, "/metrics").text
            let line = metrics.split(separator: "\n").first { $0.hasPrefix(#"hb_requests{http_route="/health""#) }
            let count = line.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) }
            #expect((count ?? 0) >= 5)
        }
    }

    @Test func healthMemoIsFreshOnlyWithinItsAge() async throws {
        let memo = HealthMemo(maxAge: .milliseconds(200))
        #expect(memo.fresh() == nil)
        _ = await memo.stores { [] }
        #expect(memo.fresh() != nil)
        try await Task.sleep(for: .milliseconds(250))
        #expect(memo.fresh() == nil)
    }

    @Test func dateHeaderIsIMFFixdate() {
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(1_709_164_800) == "Thu, 29 Feb 2024 00:00:00 GMT")
        #expect(HTTPDate.format(1_796_602_787) == "Mon, 07 Dec 2026 00:19:47 GMT")
        #expect(HTTPDate.format(951_868_799) == "Tue, 29 Feb 2000 23:59:59 GMT")
    }
}

/// A plain TCP client that sends bytes as they are and reads HTTP/1.1 answers framed by `Content-Length`.
enum RawHTTP {
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    static func exchange(port: Int, requests: String, answers count: Int) async throws -> [Answer] {
        let bytes = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
            DispatchQueue.global().async { continuation.resume(with: Result { try blockingExchange(port: port, request: Array(requests.utf8), count: count) }) }
        }
        return try parse(bytes, count: count)
    }

    private static func blockingExchange(port: Int, request: [UInt8], count: Int) throws -> [UInt8] {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw RawHTTPError.io("socket") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw RawHTTPError.io("connect") }
        guard send(socket, request, request.count, 0) == request.count else { throw RawHTTPError.io("send") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while (try? parse(received, count: count)) == nil {
            let read = recv(socket, &buffer, buffer.count, 0)
            guard read > 0 else { throw RawHTTPError.io("recv after \(received.count) bytes") }
            received += buffer[0..<read]
        }
        return received
    }

    private static func parse(_ bytes: [UInt8], count: Int) throws -> [Answer] {
        var answers: [Answer] = []
        var rest = bytes[...]
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while answers.count < count {
            guard let end = rest.firstRange(of: separator) else { throw RawHTTPError.incomplete }
            let lines = String(decoding: rest[rest.startIndex..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            guard rest.endIndex - end.upperBound >= length else { throw RawHTTPError.incomplete }
            answers.append(Answer(status: status, headers: headers, body: String(decoding: rest[end.upperBound..<end.upperBound + length], as: UTF8.self)))
            rest = rest[(end.upperBound + length)...]
        }
        return answers
    }
}

enum RawHTTPError: Error {
    case io(String)
    case incomplete
}
