import ApexEngine
import HummingbirdCore
import NIOCore
public import Hummingbird
public import Logging
import Metrics
public import Prometheus

/// Builds the HTTP application: routes, JSON errors, per-route metrics and request logs.
public enum ApexServer {
    /// The Prometheus registry `/metrics` reads; `MetricsSystem` is bootstrapped with it once per process.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The router with every route and middleware, for `Application` or for `app.test(.router)`.
    ///
    /// - Parameter logRequests: log each request at debug level; a server that logs less skips the middleware altogether.
    public static func router(
        api: MemoryAPI, documents: DocumentAPI? = nil, gate: AdmissionGate = AdmissionGate(), logRequests: Bool = true
    ) -> Router<BasicRequestContext> {
        let registry = Self.registry
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware())
        if logRequests { router.add(middleware: LogRequestsMiddleware(.debug)) }
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: AdmissionMiddleware(gate: gate))
        router.add(middleware: IdempotencyMiddleware(store: api.memory.store, maximumBodySize: api.maximumBodySize))
        router.get("metrics") { _, _ in
            Response.text(registry.emitToString(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        api.register(on: router)
        documents?.register(on: router)
        return router
    }

    /// How many connections the listening socket accepts per turn of its event loop.
    static let acceptsPerTurn: UInt = 256

    /// HTTP/1.1 with probes and kept state answers answered on the event loop (``ProbeLane``) and quiet connections kept on their loop (``EventLoopPinnedHTTP1``).
    static func server(api: MemoryAPI) -> HTTPServerBuilder {
        let instruments = RouteInstruments()
        let configuration = HTTP1Channel.Configuration(additionalChannelHandlers: [
            ProbeLane(memo: api.healthMemo, answers: api.answerMemo, memory: api.memory, instruments: instruments)
        ])
        return .pinnedHTTP1(configuration: configuration, pinnedLimit: System.coreCount)
    }

    /// The application serving `api` on `host:port` (port 0 picks a free one).
    public static func application(
        api: MemoryAPI, documents: DocumentAPI? = nil, gate: AdmissionGate = AdmissionGate(), host: String, port: Int, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(api: api, documents: documents, gate: gate, logRequests: logger.logLevel <= .debug),
            server: Self.server(api: api),
            // A backlog for a thousand clients connecting at once: with the default 256 the kernel drops their SYNs, and
            // those clients wait seconds for a retransmission before their first request is even sent.
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "apex", backlog: 4096),
            onServerRunning: { channel in
                // The listening socket accepts up to this many connections per turn of its event loop (SwiftNIO's
                // default is 4): with the loops busy answering from the lane, a thousand clients connecting at once
                // otherwise wait seconds to be accepted while their first requests sit in the kernel.
                try? await channel.setOption(ChannelOptions.maxMessagesPerRead, value: Self.acceptsPerTurn).get()
                await onServerRunning(channel.localAddress?.port ?? port)
            },
            logger: logger
        )
    }
}
