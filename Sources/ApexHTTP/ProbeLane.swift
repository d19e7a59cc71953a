import ApexCore
import ApexEngine
import ApexPorts
import HTTPTypes
import Metrics
import NIOCore
import NIOHTTPTypes

/// Answers `GET /health`, and state queries already answered, on the event loop that read them.
///
/// A probe must answer under any load and cost next to nothing; through the
/// router it costs a task, a router lookup and the middleware chain, most of
/// its time on a small machine. This handler sits in each connection's
/// pipeline before the router and answers here, with the same status and body
/// as the route and counted in the same request metrics, when no earlier
/// request of its connection is still unanswered (answers must keep their
/// requests' order):
/// - a `GET /health` that finds a fresh check in ``HealthMemo``;
/// - a `GET` whose target (path and query, byte for byte) the state route
///   answered and kept in ``AnswerMemo``, while the store's content version
///   has not moved since.
///
/// Anything else goes on to the router: a probe when the check is due again
/// (the route runs it), and every other request.
final class ProbeLane: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The state route's name in the request metrics, as the router names it.
    static let stateRoute = "/api/v1/entities/{entity}/{key}/state"

    private let memo: HealthMemo
    private let answers: AnswerMemo
    private let memory: MemoryService
    private let instruments: RouteInstruments
    /// Kept state answers handed out (made per connection: the metrics system is bootstrapped by then).
    private let keptAnswers = Counter(label: "apex_http_kept_answers_total")
    /// Requests passed on to the router and not answered yet.
    private var unanswered = 0
    /// The rest of a request answered here is dropped up to its end.
    private var dropping = false
    private var date = HTTPDate()

    /// - Parameters:
    ///   - answers: kept state answers, handed out while `memory`'s content version stays.
    init(memo: HealthMemo, answers: AnswerMemo, memory: MemoryService, instruments: RouteInstruments) {
        self.memo = memo
        self.answers = answers
        self.memory = memory
        self.instruments = instruments
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let request):
            if unanswered == 0, let answer = answer(request) {
                dropping = true
                let start = ContinuousClock.now
                var head = HTTPResponse(status: answer.status)
                head.headerFields[.contentType] = "application/json; charset=utf-8"
                head.headerFields[.contentLength] = String(answer.body.count)
                head.headerFields[.date] = date.now()
                head.headerFields[.server] = "apex"
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: answer.body))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                let route = instruments.route(answer.route, method: .get, status: answer.status)
                route.requests.increment()
                route.duration.record(duration: ContinuousClock.now - start)
                return
            }
            dropping = false
            unanswered += 1
            context.fireChannelRead(data)
        case .body, .end:
            if !dropping { context.fireChannelRead(data) }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), unanswered > 0 { unanswered -= 1 }
        context.write(data, promise: promise)
    }

    /// What the lane answers: a status and a body, counted under the route that would have answered.
    private struct LaneAnswer {
        let route: String
        let status: HTTPResponse.Status
        let body: [UInt8]
    }

    /// The answer to `request` when it is a plain probe and the last check is fresh, or a kept state answer still current.
    private func answer(_ request: HTTPRequest) -> LaneAnswer? {
        guard request.method == .get, let path = request.path, request.headerFields[.connection] == nil else { return nil }
        if path == "/health" {
            guard let stores = memo.fresh() else { return nil }
            let health = HealthAnswer(stores: stores)
            return LaneAnswer(route: "/health", status: health.status, body: health.body)
        }
        guard path.hasPrefix("/api/v1/entities/"),
            let body = answers.body(for: path, currentVersion: { memory.contentVersion() }, knownAt: memory.now)
        else { return nil }
        keptAnswers.increment()
        return LaneAnswer(route: Self.stateRoute, status: .ok, body: body)
    }
}

/// The `Date` header's text (RFC 9110's IMF-fixdate), made once per second.
struct HTTPDate {
    private var second = Int.min
    private var text = ""

    mutating func now() -> String {
        let now = Int(Timestamp.wallClock.microseconds / 1_000_000)
        if now != second {
            second = now
            text = Self.format(now)
        }
        return text
    }

    /// `seconds` since 1970 as `Mon, 07 Dec 2026 00:10:05 GMT`.
    static func format(_ seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let inDay = seconds - days * 86_400
        let date = CivilDate(daysSinceEpoch: Int64(days))
        let weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[weekday]), \(two(Int(date.day))) \(months[Int(date.month) - 1]) \(date.year) \(two(inDay / 3_600)):\(two(inDay % 3_600 / 60)):\(two(inDay % 60)) GMT"
    }
}
