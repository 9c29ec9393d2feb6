public import Logging
public import NIOCore
import NIOHTTP1
public import NIOPosix
public import ServiceLifecycle

/// The Prometheus service: serves the live metrics at `GET /metrics` on `--metrics-listen` until graceful
/// shutdown. Values come straight from `ServerMetrics` (atomics), so a scrape takes no lock and no I/O.
public final class PrometheusEndpoint: Service {
    private let address: MetricsListenAddress
    private let metrics: ServerMetrics
    private let logger: Logger
    private let version: String
    private let group: any EventLoopGroup
    /// Called with the bound address (tests and logs learn the port when 0 was asked for).
    private let onBound: @Sendable (SocketAddress) -> Void

    /// An idle keep-alive connection is closed after this long.
    static let idleTimeout = TimeAmount.minutes(5)

    public init(
        address: MetricsListenAddress, metrics: ServerMetrics, logger: Logger,
        version: String = ServerConfiguration.version,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onBound: @escaping @Sendable (SocketAddress) -> Void = { _ in }
    ) {
        self.address = address
        self.metrics = metrics
        self.logger = logger
        self.version = version
        self.group = group
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
        let metrics = self.metrics
        let version = self.version
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    try operations.addHandler(IdleStateHandler(allTimeout: Self.idleTimeout))
                    try operations.configureHTTPServerPipeline(withErrorHandling: true)
                    try operations.addHandler(PrometheusRequestHandler(metrics: metrics, version: version))
                }
            }
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
