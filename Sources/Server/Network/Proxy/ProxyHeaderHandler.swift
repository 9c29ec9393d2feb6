import Logging
import NIOCore

/// First in the pipeline of a connection from a trusted balancer: holds the connection back (no `channelActive`
/// downstream, so no greeting) until the PROXY header has arrived, within the header timeout. Then `resolved` installs
/// the handlers behind it for the client the header names; this handler fires `channelActive` through them, passes on
/// the bytes that followed the header in the same reads, and leaves the pipeline. On an implicit-TLS port the header
/// comes before the TLS handshake, so the TLS handler is among those installed.
final class ProxyHeaderHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let socketPeer: String
    private let policy: ProxyProtocolPolicy
    private let logger: Logger
    /// Installs the rest of the pipeline: given the header, or nil for a direct connection (no header, where that is
    /// allowed). Called at most once, on the channel's event loop.
    private let resolved: (ProxyHeader?) throws -> Void
    private var received: ByteBuffer?
    private var timer: Scheduled<Void>?
    private var isResolved = false

    init(
        socketPeer: String, policy: ProxyProtocolPolicy, logger: Logger,
        resolved: @escaping (ProxyHeader?) throws -> Void
    ) {
        self.socketPeer = socketPeer
        self.policy = policy
        self.logger = logger
        self.resolved = resolved
    }

    func channelActive(context: ChannelHandlerContext) {
        // Held back: the handlers behind see the connection become active once it is resolved.
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(policy.headerTimeout)) { [self] in
            headerTimedOut(context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isResolved else { return context.fireChannelRead(data) }
        var bytes = unwrapInboundIn(data)
        if received == nil {
            received = bytes
        } else {
            received?.writeBuffer(&bytes)
        }
        examine(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if !isResolved {
            logger.debug("closed before its PROXY header", metadata: ["peer": "\(socketPeer)"])
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !isResolved else { return context.fireErrorCaught(error) }
        logger.debug(
            "connection error before its PROXY header", metadata: ["peer": "\(socketPeer)", "error": "\(error)"])
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    private func examine(context: ChannelHandlerContext) {
        guard let received else { return }
        let outcome: ProxyHeaderParser.Outcome
        do {
            outcome = try ProxyHeaderParser.parse(received.readableBytesView)
        } catch {
            // Bytes that are no header at all are a direct client's own, where such clients are served.
            if error == .noSignature, !policy.headerRequired { return resolve(nil, context: context) }
            return refuse(error.description, context: context)
        }
        guard case .header(let header, let length) = outcome else { return }
        self.received?.moveReaderIndex(forwardBy: length)
        logger.debug(
            "PROXY header",
            metadata: [
                "peer": "\(header.client?.source ?? socketPeer)", "proxy": "\(socketPeer)",
                "version": "\(header.version)",
                "client": "\(header.client.map { "\($0.source) port \($0.sourcePort)" } ?? "the socket's")",
                "destination":
                    "\(header.client.map { "\($0.destination) port \($0.destinationPort)" } ?? "the socket's")",
            ])
        resolve(header, context: context)
    }

    private func headerTimedOut(context: ChannelHandlerContext) {
        guard !isResolved else { return }
        // A direct client waits for the greeting and sends nothing; part of a header is no direct client.
        if !policy.headerRequired, (received?.readableBytes ?? 0) == 0 { return resolve(nil, context: context) }
        refuse("no PROXY header within \(policy.headerTimeout)", context: context)
    }

    private func refuse(_ reason: String, context: ChannelHandlerContext) {
        isResolved = true
        timer?.cancel()
        logger.warning("PROXY header refused: closing", metadata: ["peer": "\(socketPeer)", "reason": "\(reason)"])
        received = nil
        context.close(promise: nil)
    }

    private func resolve(_ header: ProxyHeader?, context: ChannelHandlerContext) {
        isResolved = true
        timer?.cancel()
        do {
            try resolved(header)
        } catch {
            logger.error("cannot set up the connection", metadata: ["peer": "\(socketPeer)", "error": "\(error)"])
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()
        if let rest = received, rest.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(rest))
        }
        received = nil
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
