import Logging
import Maildir
public import NIOCore
public import NIOPosix
import NIOSSL
import POP3Core
public import ServiceLifecycle

/// The POP3 service: binds the listening sockets, serves connections until graceful shutdown, then tells every
/// live session the server is stopping and waits (boundedly) for them to close.
public final class POP3Listener: Service {
    private let connections: POP3ConnectionFactory
    private let limiter: ConnectionLimiter
    private let addresses: [String]
    private let port: Int
    /// How long shutdown waits for sessions to close after telling them the server stops.
    private let drainLimit: Duration
    /// True for the RFC 8314 port: TLS starts before the greeting.
    private let implicitTLS: Bool
    private let group: any EventLoopGroup
    /// Called with each bound address (tests and logs learn the port when 0 was asked for).
    private let onBound: @Sendable (SocketAddress) -> Void
    /// Called once every listen address was tried and at least one is bound (privileges may be dropped then).
    private let onReady: @Sendable () -> Void

    public init(
        connections: POP3ConnectionFactory, limiter: ConnectionLimiter, addresses: [String], port: Int,
        implicitTLS: Bool = false, drainLimit: Duration = .seconds(5),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onBound: @escaping @Sendable (SocketAddress) -> Void = { _ in },
        onReady: @escaping @Sendable () -> Void = {}
    ) {
        self.connections = connections
        self.limiter = limiter
        self.addresses = addresses
        self.implicitTLS = implicitTLS
        self.port = port
        self.drainLimit = drainLimit
        self.group = group
        self.onBound = onBound
        self.onReady = onReady
    }

    public func run() async throws {
        var channels: [any Channel] = []
        let logger = connections.logger
        for address in addresses {
            do {
                let channel = try await bootstrap(ipv6Only: address.contains(":"))
                    .bind(host: address, port: port).get()
                channels.append(channel)
                if let local = channel.localAddress {
                    logger.info(
                        implicitTLS ? "POP3S listening" : "POP3 listening", metadata: ["address": "\(local)"])
                    onBound(local)
                }
            } catch {
                // "::" fails on hosts without IPv6; that is fine while another address is bound.
                logger.warning("cannot listen", metadata: ["address": "\(address)", "error": "\(error)"])
            }
        }
        guard !channels.isEmpty else {
            throw ListenerError.nothingBound(addresses, port)
        }
        onReady()
        try? await gracefulShutdown()
        logger.info("POP3 stopping: closing listeners and telling sessions")
        for channel in channels { try? await channel.close() }
        let liveSessions = connections.book.liveSessions
        liveSessions.shutdownAll()
        if await !liveSessions.drained(within: drainLimit) {
            logger.warning("sessions still open at shutdown", metadata: ["count": "\(liveSessions.count)"])
        }
    }

    private func bootstrap(ipv6Only: Bool) -> ServerBootstrap {
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1_024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        if ipv6Only {
            // So "::" and "0.0.0.0" can both be bound on one port.
            bootstrap = bootstrap.serverChannelOption(
                ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1)
        }
        return
            bootstrap
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 * 1_024, high: 1_024 * 1_024))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try initialize(channel) }
            }
    }

    /// Admits a new connection under the limits and builds its pipeline; a balancer's connection first waits for
    /// its PROXY header, and is admitted for the client the header names.
    private func initialize(_ channel: any Channel) throws {
        let socketPeer = channel.remoteAddress.map(Self.describe) ?? "unknown"
        let decision = limiter.admit(socketPeer)
        guard decision == .admitted else { return try refuse(channel, peer: socketPeer, proxy: nil, decision) }
        // The address the connection is counted under: a balancer's until its header names the client.
        let counted = NIOLoopBoundBox(socketPeer, eventLoop: channel.eventLoop)
        channel.closeFuture.whenComplete { [limiter] _ in limiter.release(counted.value) }
        let policy = connections.policy.proxy
        guard policy.expectsHeader(from: socketPeer) else {
            return try addSession(channel, peer: socketPeer, proxy: nil)
        }
        let waiting = ProxyHeaderHandler(socketPeer: socketPeer, policy: policy, logger: connections.logger) {
            [self] header in
            let peer = header?.client?.source ?? socketPeer
            // A health check, or a direct client where the header is optional: the balancer's own connection.
            guard peer != socketPeer else { return try addSession(channel, peer: peer, proxy: nil) }
            let decision = limiter.reassign(from: socketPeer, to: peer)
            guard decision == .admitted else { return try refuse(channel, peer: peer, proxy: socketPeer, decision) }
            counted.value = peer
            try addSession(channel, peer: peer, proxy: socketPeer)
        }
        try channel.pipeline.syncOperations.addHandler(waiting)
    }

    /// The POP3 session's handlers for a client at `peer`: TLS first on the implicit-TLS port.
    private func addSession(_ channel: any Channel, peer: String, proxy: String?) throws {
        let operations = channel.pipeline.syncOperations
        if implicitTLS, let credentials = connections.tls {
            try operations.addHandler(NIOSSLServerHandler(context: credentials.context))
        }
        let (decoder, handler) = connections.makeHandlers(peer: peer, proxy: proxy, implicitTLS: implicitTLS)
        try operations.addHandlers([ByteToMessageHandler(decoder), handler])
    }

    /// A connection over a limit: answered `-ERR [SYS/TEMP]` (in clear, before any TLS) and closed.
    private func refuse(
        _ channel: any Channel, peer: String, proxy: String?, _ decision: ConnectionLimiter.Decision
    ) throws {
        connections.book.metrics.add(.connectionsRejected)
        var metadata: Logger.Metadata = [
            "peer": "\(peer)", "limit": "\(decision == .overTotal ? "total" : "per address")",
        ]
        if let proxy { metadata["proxy"] = "\(proxy)" }
        connections.logger.warning("connection refused: limit reached", metadata: metadata)
        try channel.pipeline.syncOperations.addHandler(RefusingHandler())
    }

    /// "127.0.0.1" or "::1", without the port.
    static func describe(_ address: SocketAddress) -> String {
        address.ipAddress ?? "\(address)"
    }
}

/// Why the POP3 service could not start.
public enum ListenerError: Error, CustomStringConvertible {
    case nothingBound([String], Int)

    public var description: String {
        switch self {
        case .nothingBound(let addresses, let port):
            return "could not listen on port \(port) of any of \(addresses.joined(separator: ", "))"
        }
    }
}

/// Short random session ids for logs and the sessions table.
enum SessionID {
    static func make() -> String {
        let value = UInt64.random(in: .min ... .max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Answers a connection over a limit and closes it.
final class RefusingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        let text = POP3Response.err(.sysTemp, "Too many connections, try again later.").encoded()
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: text))).assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
