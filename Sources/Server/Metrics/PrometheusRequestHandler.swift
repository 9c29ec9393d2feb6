import NIOCore
import NIOHTTP1

/// Answers HTTP/1.1 requests on the metrics port (one at a time; NIO's pipeline handler orders pipelined ones). On
/// a connection over the port's caps it answers the first request 503 and closes.
final class PrometheusRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: ServerMetrics
    private let version: String
    private let node: String
    private let refusing: Bool
    /// The request being read; answered at its end.
    private var head: HTTPRequestHead?

    init(metrics: ServerMetrics, version: String, node: String, refusing: Bool = false) {
        self.metrics = metrics
        self.version = version
        self.node = node
        self.refusing = refusing
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break  // No route takes a body.
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A scraper that keeps a connection open but stops scraping must not hold a socket forever.
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIO's protocol error handler has answered a malformed request with 400; the connection cannot go on.
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let reply =
            refusing
            ? PrometheusReply.tooManyConnections
            : PrometheusReply.answer(
                method: head.method.rawValue, target: head.uri, metrics: metrics, version: version, node: node)
        // Keep-alive for HTTP/1.1 as Prometheus uses it; HTTP/1.0 clients get one answer and a close.
        let keepAlive = !refusing && head.isKeepAlive && head.version.major == 1 && head.version.minor >= 1
        let body = context.channel.allocator.buffer(string: reply.body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: reply.contentType)
        headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        if let allow = reply.allow { headers.add(name: "Allow", value: allow) }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: reply.status, reasonPhrase: reply.reason)
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
            promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
