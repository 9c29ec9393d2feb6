import Logging
import NIOCore

/// Closes a metrics connection whose request is not complete in time. The deadline starts at the first byte of a
/// request and ends when the answer is written, so a client trickling bytes cannot stretch it; it sits in front of
/// the HTTP decoder, which holds a request's bytes until its head is complete. A refused connection's deadline
/// starts at the connect: it gets that long to send the request its refusal answers.
final class PrometheusRequestDeadline: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let timeout: TimeAmount
    private let fromConnect: Bool
    private let logger: Logger
    /// Armed while a request is being received.
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, fromConnect: Bool = false, logger: Logger) {
        self.timeout = timeout
        self.fromConnect = fromConnect
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        if fromConnect { arm(context: context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if timer == nil { arm(context: context) }
        context.fireChannelRead(data)
    }

    /// An answer is written once its request is complete (or unparsable, then the connection closes).
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        timer?.cancel()
        timer = nil
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    private func arm(context: ChannelHandlerContext) {
        let peer = context.channel.remoteAddress?.ipAddress ?? "unknown"
        let logger = self.logger
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            logger.info("metrics request incomplete in time; closing", metadata: ["peer": "\(peer)"])
            context.close(promise: nil)
        }
    }
}
