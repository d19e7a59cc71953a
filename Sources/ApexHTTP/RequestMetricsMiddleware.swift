import Dispatch
public import Hummingbird
import Metrics
import Synchronization

/// Per-route request counts and latencies, under the names Hummingbird's `MetricsMiddleware` uses, recorded when
/// the handler returns.
///
/// Hummingbird's middleware records after the body is written, and to do so
/// wraps every body in a closure: the server then writes a response's head
/// and its body in two system calls and two TCP segments, where a body held
/// in one buffer goes out with its head in one. Every answer of this API is
/// one buffer, written as soon as the handler returns, so recording then
/// measures the same thing at half the calls.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let instruments = RouteInstruments()

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let active = instruments.active(method: request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let route = instruments.route(context.endpointPath ?? "Unknown", method: request.method, status: response.status)
            route.requests.increment()
            route.duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let route = instruments.route(context.endpointPath ?? "NotFound", method: request.method, status: status)
            route.requests.increment()
            route.errors.increment()
            throw error
        }
    }
}

/// The metric handles of each route, method and status, made once: a factory lookup per request costs more than the count.
final class RouteInstruments: Sendable {
    struct Route: Sendable {
        let requests: Counter
        let duration: Metrics.Timer
        let errors: Counter
    }

    private struct RouteKey: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: Int
    }

    private let routes = Mutex<[RouteKey: Route]>([:])
    private let meters = Mutex<[HTTPRequest.Method: Meter]>([:])

    func active(method: HTTPRequest.Method) -> Meter {
        meters.withLock { meters in
            if let meter = meters[method] { return meter }
            let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)])
            meters[method] = meter
            return meter
        }
    }

    func route(_ route: String, method: HTTPRequest.Method, status: HTTPResponse.Status) -> Route {
        let key = RouteKey(route: route, method: method, status: status.code)
        return routes.withLock { routes in
            if let known = routes[key] { return known }
            let labels = [("http.route", route), ("http.request.method", method.rawValue), ("http.response.status_code", String(status.code))]
            let made = Route(
                requests: Counter(label: "hb.requests", dimensions: labels),
                duration: Metrics.Timer(label: "http.server.request.duration", dimensions: labels, preferredDisplayUnit: .seconds),
                errors: Counter(
                    label: "hb.request.errors",
                    dimensions: [("http.route", route), ("http.request.method", method.rawValue), ("error.type", String(status.code))]))
            routes[key] = made
            return made
        }
    }
}
