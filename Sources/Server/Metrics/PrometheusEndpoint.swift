public import Logging
public import NIOCore
import NIOHTTP1
public import NIOPosix
public import ServiceLifecycle

/// The Prometheus service: serves the live metrics at `GET /metrics` on `--metrics-listen` until graceful
/// shutdown. Values come straight from `ServerMetrics` (atomics), so a scrape takes no lock and no I/O. Each request
/// must arrive whole within the request timeout, and connections over the caps are answered 503 and closed
/// (`ListenerAdmission`).
public final class PrometheusEndpoint: Service {
    private let address: MetricsListenAddress
    private let metrics: ServerMetrics
    private let logger: Logger
    private let version: String
    /// The `node` label of every sample.
    private let node: String
    private let group: any EventLoopGroup
    private let caps: ConnectionCaps
    /// A request must be complete this long after its first byte.
    private let requestTimeout: TimeAmount
    /// Called with the bound address (tests and logs learn the port when 0 was asked for).
    private let onBound: @Sendable (SocketAddress) -> Void

    /// An idle keep-alive connection is closed after this long.
    static let idleTimeout = TimeAmount.minutes(5)
    /// The default time for a whole request to arrive.
    public static let defaultRequestTimeout = TimeAmount.seconds(10)

    public init(
        address: MetricsListenAddress, metrics: ServerMetrics, node: String, logger: Logger,
        version: String = ServerConfiguration.version,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, caps: ConnectionCaps = .metricsDefault,
        requestTimeout: TimeAmount = defaultRequestTimeout,
        onBound: @escaping @Sendable (SocketAddress) -> Void = { _ in }
    ) {
        self.address = address
        self.metrics = metrics
        self.logger = logger
        self.version = version
        self.node = node
        self.group = group
        self.caps = caps
        self.requestTimeout = requestTimeout
        self.onBound = onBound
    }

    public func run() async throws {
        let channel: any Channel
        do {
            channel = try await bootstrap().bind(host: address.host, port: address.port).get()
        } catch {
            throw PrometheusEndpointError.cannotBind(address, reason: "\(error)")
        }
        if let local = channel.localAddress {
            logger.info("metrics listening", metadata: ["address": "\(local)"])
            if !MonitorAddress.isLoopback(local) {
                logger.warning(
                    "the metrics port is reachable beyond this machine; anyone who can connect reads the counters",
                    metadata: ["address": "\(local)"])
            }
            onBound(local)
        }
        try? await gracefulShutdown()
        logger.info("metrics stopping")
        try? await channel.close()
    }

    private func bootstrap() -> ServerBootstrap {
        let (metrics, version, node, logger) = (self.metrics, self.version, self.node, self.logger)
        let requestTimeout = self.requestTimeout
        let admission = ListenerAdmission(caps: caps, listener: "metrics", metrics: metrics, logger: logger)
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            // Scrape requests are a few hundred bytes: small reads keep what one read can ask for small too.
            .childChannelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4_096))
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    let admitted = admission.admit(channel)
                    guard admitted != .drop else {
                        try operations.addHandler(ClosingHandler())
                        return
                    }
                    try Self.addHandlers(
                        to: operations, refusing: admitted == .refuse, metrics: metrics, version: version, node: node,
                        requestTimeout: requestTimeout, logger: logger)
                }
            }
    }

    /// One connection's pipeline: the request deadline and the backpressure in front of the HTTP decoder, the idle
    /// time (not for a refused connection, which has only the deadline from its connect), HTTP, the request
    /// handler.
    static func addHandlers(
        to operations: ChannelPipeline.SynchronousOperations, refusing: Bool, metrics: ServerMetrics, version: String,
        node: String, requestTimeout: TimeAmount, logger: Logger
    ) throws {
        try operations.addHandler(
            PrometheusRequestDeadline(timeout: requestTimeout, fromConnect: refusing, logger: logger))
        try operations.addHandler(PrometheusBackpressure())
        if !refusing { try operations.addHandler(IdleStateHandler(allTimeout: Self.idleTimeout)) }
        try operations.configureHTTPServerPipeline(withErrorHandling: true)
        try operations.addHandler(
            PrometheusRequestHandler(metrics: metrics, version: version, node: node, refusing: refusing))
    }
}

/// Why the Prometheus endpoint could not start.
public enum PrometheusEndpointError: Error, CustomStringConvertible {
    case cannotBind(MetricsListenAddress, reason: String)

    public var description: String {
        switch self {
        case .cannotBind(let address, let reason): "cannot listen for metrics on \(address): \(reason)"
        }
    }
}
