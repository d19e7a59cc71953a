import ApexCore
import ApexPorts
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `GET /health` on the event loop that read it, from the last health check while it is fresh.
///
/// A probe must answer under any load and cost next to nothing; through the
/// router it costs a task, a router lookup and the middleware chain, most of
/// its time on a small machine. This handler sits in each connection's
/// pipeline before the router: a `GET /health` that finds a fresh check in
/// ``HealthMemo`` and no earlier request of its connection still unanswered
/// (answers must keep their requests' order) is answered here, with the same
/// status and body as the route, and counted in the same request metrics.
/// Anything else, and a probe when the check is due again, goes on to the
/// router, which runs the check.
final class ProbeLane: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let memo: HealthMemo
    private let instruments: RouteInstruments
    /// Requests passed on to the router and not answered yet.
    private var unanswered = 0
    /// The rest of a request answered here is dropped up to its end.
    private var dropping = false
    private var date = HTTPDate()

    init(memo: HealthMemo, instruments: RouteInstruments) {
        self.memo = memo
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
                let route = instruments.route("/health", method: .get, status: answer.status)
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

    /// The answer to `request` when it is a plain probe and the last check is fresh.
    private func answer(_ request: HTTPRequest) -> HealthAnswer? {
        guard request.method == .get, request.path == "/health", request.headerFields[.connection] == nil,
            let stores = memo.fresh()
        else { return nil }
        return HealthAnswer(stores: stores)
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
