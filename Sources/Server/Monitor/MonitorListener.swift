public import Logging
import MonitorProtocol
public import NIOCore
public import NIOPosix
public import ServiceLifecycle

/// The monitor service: binds the monitor port (unless it is disabled with port -1), answers pop3ctl until
/// graceful shutdown, then closes the port. Connections over its caps are refused (`ListenerAdmission`): their
/// request is answered "server error" and the connection closed.
public final class MonitorListener: Service {
    private let address: String
    private let port: Int
    private let processor: MonitorRequestProcessor
    private let metrics: ServerMetrics
    private let logger: Logger
    private let group: any EventLoopGroup
    private let timeouts: MonitorTimeouts
    private let caps: ConnectionCaps
    /// Called with the bound address (tests and logs learn the port when 0 was asked for).
    private let onBound: @Sendable (SocketAddress) -> Void
    /// Awaited before the port is bound (pop3d: until root is dropped and the journal recovered).
    private let startsAfter: @Sendable () async throws -> Void

    /// Serves the monitor on `address`:`port` (-1: not at all), answering with `processor`, once `startsAfter`
    /// returns.
    public init(
        address: String, port: Int, processor: MonitorRequestProcessor, metrics: ServerMetrics, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, timeouts: MonitorTimeouts = .standard,
        caps: ConnectionCaps = .monitorDefault, startsAfter: @escaping @Sendable () async throws -> Void = {},
        onBound: @escaping @Sendable (SocketAddress) -> Void = { _ in }
    ) {
        self.startsAfter = startsAfter
        self.address = address
        self.port = port
        self.processor = processor
        self.metrics = metrics
        self.logger = logger
        self.group = group
        self.timeouts = timeouts
        self.caps = caps
        self.onBound = onBound
    }

    public func run() async throws {
        let (address, port) = (self.address, self.port)
        guard port != -1 else {
            logger.info("monitor disabled")
            return
        }
        do {
            try await startsAfter()
        } catch {
            return  // the group stopped before pop3d began serving
        }
        let channel: any Channel
        do {
            channel = try await bootstrap().bind(host: address, port: port).get()
        } catch {
            throw MonitorListenerError.cannotBind(address: address, port: port, reason: "\(error)")
        }
        if let local = channel.localAddress {
            logger.info("monitor listening", metadata: ["address": "\(local)"])
            if !MonitorAddress.isLoopback(local) {
                logger.warning(
                    "the monitor port is reachable beyond this machine; tokens and passwords cross the network in clear",
                    metadata: ["address": "\(local)"])
            }
            onBound(local)
        }
        try? await gracefulShutdown()
        logger.info("monitor stopping")
        try? await channel.close()
    }

    private func bootstrap() -> ServerBootstrap {
        let (processor, timeouts, logger, metrics) = (self.processor, self.timeouts, self.logger, self.metrics)
        let admission = ListenerAdmission(caps: caps, listener: "monitor", metrics: metrics, logger: logger)
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 * 1_024, high: 2 * 1_024 * 1_024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let refusal: MonitorFailure?
                    switch admission.admit(channel) {
                    case .serve: refusal = nil
                    case .refuse: refusal = MonitorRefusals.tooManyConnections
                    case .drop:
                        try channel.pipeline.syncOperations.addHandler(ClosingHandler())
                        return
                    }
                    let peer = channel.remoteAddress.map(MonitorAddress.describe) ?? "unknown"
                    let handler = MonitorConnectionHandler(
                        processor: processor, timeouts: timeouts, peer: peer, logger: logger, metrics: metrics,
                        refusal: refusal)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
    }
}

/// Why the monitor service could not start.
public enum MonitorListenerError: Error, CustomStringConvertible {
    case cannotBind(address: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .cannotBind(let address, let port, let reason):
            "cannot listen for the monitor on \(address) port \(port): \(reason)"
        }
    }
}
