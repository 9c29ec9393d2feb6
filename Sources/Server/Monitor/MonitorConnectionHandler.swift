import Logging
import MonitorProtocol
import NIOCore

/// Serves one monitor connection by carrying out what `MonitorConnectionStateMachine` decides: it feeds the
/// machine the channel's events and the answers, and runs the returned actions. All state lives on the channel's
/// event loop.
final class MonitorConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let processor: MonitorRequestProcessor
    private let peer: String
    private let logger: Logger
    private let metrics: ServerMetrics
    private var machine: MonitorConnectionStateMachine
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?

    /// `refusal`, for a connection over the listener's caps, answers its first request instead of the processor.
    init(
        processor: MonitorRequestProcessor, timeouts: MonitorTimeouts, peer: String, logger: Logger,
        metrics: ServerMetrics, refusal: MonitorFailure? = nil
    ) {
        self.processor = processor
        self.peer = peer
        self.logger = logger
        self.metrics = metrics
        machine = MonitorConnectionStateMachine(
            frameTimeout: .nanoseconds(timeouts.frame.nanoseconds),
            idleTimeout: .nanoseconds(timeouts.idle.nanoseconds),
            wrongTokenDelay: .nanoseconds(timeouts.wrongToken.nanoseconds), refusal: refusal)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        logger.debug("monitor connect", metadata: ["peer": "\(peer)"])
        execute(machine.channelActive(now: now))
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        execute(machine.bytesReceived(unwrapInboundIn(data).readableBytesView, now: now))
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        execute(machine.writabilityChanged(isWritable: context.channel.isWritable, now: now))
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            execute(machine.inputClosed(now: now))
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("monitor connection error", metadata: ["peer": "\(peer)", "error": "\(error)"])
        execute(machine.errorCaught())
    }

    func channelInactive(context: ChannelHandlerContext) {
        execute(machine.channelInactive())
        self.context = nil
        context.fireChannelInactive()
    }

    /// Holds reads while enough frames wait, so a client that never reads answers cannot fill memory.
    func read(context: ChannelHandlerContext) {
        if machine.readRequested() == .read { context.read() }
    }

    // MARK: Actions

    private func execute(_ actions: [MonitorConnectionStateMachine.Action]) {
        for action in actions {
            // A dropped answer is still counted and logged after the channel is gone.
            if case .record(let record) = action {
                metrics.add(.monitorRequests)
                log(record)
            }
            guard let context else { continue }
            switch action {
            case .record: break
            case .startRequest(let frame): perform(frame)
            case .send(let bytes, let thenClose):
                let written = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)))
                // Close only once the answer is on its way, so the client reads it before the FIN.
                if thenClose { written.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) } }
            case .close(.frameIncomplete):
                logger.info("monitor request incomplete in time; closing", metadata: ["peer": "\(peer)"])
                context.close(promise: nil)
            case .close(.idle):
                logger.debug("monitor connection idle; closing", metadata: ["peer": "\(peer)"])
                context.close(promise: nil)
            case .close: context.close(promise: nil)
            case .resumeReading: context.read()
            case .armTimer(let deadline):
                timer?.cancel()
                timer = context.eventLoop.assumeIsolated().scheduleTask(
                    deadline: .uptimeNanoseconds(deadline.nanoseconds)
                ) { [self] in
                    execute(machine.timerFired(now: now))
                }
            case .cancelTimer:
                timer?.cancel()
                timer = nil
            }
        }
    }

    /// Answers `frame` off the event loop and hands the outcome back to the machine on it.
    private func perform(_ frame: MonitorRequestFrame) {
        guard let context else { return }
        let processor = self.processor
        context.eventLoop.makeFutureWithTask {
            await processor.answer(frame)
        }.assumeIsolated().whenComplete { [self] result in
            let outcome =
                (try? result.get())
                ?? MonitorOutcome(
                    response: .failure(MonitorFailure(.serverError, "the request could not be answered"), to: frame),
                    admin: nil, request: MonitorRequestProcessor.rawDescription(of: frame))
            execute(machine.requestFinished(outcome, now: now))
        }
    }

    /// The event loop's clock (the testing loop's own clock in tests).
    private var now: MonitorInstant {
        MonitorInstant(nanoseconds: context?.eventLoop.now.uptimeNanoseconds ?? NIODeadline.now().uptimeNanoseconds)
    }

    /// One line per request: who, what and the status; the request text never holds a token or password.
    private func log(_ record: MonitorRequestRecord) {
        let hex = String(record.status.rawValue, radix: 16)
        let metadata: Logger.Metadata = [
            "admin": "\(record.admin ?? "unauthenticated")", "peer": "\(peer)",
            "status": "0x\(hex.count < 2 ? "0" + hex : hex)",
        ]
        let reason = record.detail.map { $0.isEmpty ? "" : " (\($0))" } ?? ""
        logger.info("monitor request: \(record.request): \(record.status.name)\(reason)", metadata: metadata)
    }
}
