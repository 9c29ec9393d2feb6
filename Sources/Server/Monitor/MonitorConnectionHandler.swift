import Logging
import MonitorProtocol
import NIOCore

/// Serves one monitor connection: frames requests, answers them one at a time and in order (each on the I/O
/// pool), and closes after a v1 answer, after a frame it cannot delimit, on a late frame or when idle.
/// All state lives on the channel's event loop.
final class MonitorConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Complete frames waiting beyond this many stop reading from the socket until the queue drains.
    static let maxQueuedFrames = 16

    private let logger: Logger
    private let metrics: ServerMetrics
    private let processor: MonitorRequestProcessor
    private let timeouts: MonitorTimeouts
    private let peer: String
    private var context: ChannelHandlerContext?

    private var decoder = MonitorRequestDecoder()
    private var queued = CircularBuffer<MonitorRequestFrame>()
    /// The stream could not be framed: answered once the frames before it are, then the connection closes.
    private var frameError: MonitorFrameError?
    /// A v1 frame arrived: it is the connection's only request, so later bytes are ignored.
    private var lastFrameReceived = false
    private var busy = false
    private var closing = false
    private var inputClosed = false
    private var readHeld = false
    private var frameTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?

    init(
        processor: MonitorRequestProcessor, timeouts: MonitorTimeouts, peer: String, logger: Logger,
        metrics: ServerMetrics
    ) {
        self.logger = logger
        self.metrics = metrics
        self.processor = processor
        self.timeouts = timeouts
        self.peer = peer
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        logger.debug("monitor connect", metadata: ["peer": "\(peer)"])
        scheduleIdleTimer()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing, !lastFrameReceived, frameError == nil else { return }
        let bytes = unwrapInboundIn(data)
        idleTimer?.cancel()
        decoder.feed(bytes.readableBytesView)
        decodeFrames()
        processQueue()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        processQueue()
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // The client finished sending: answer what was framed, then close.
            inputClosed = true
            frameTimer?.cancel()
            processQueue()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("monitor connection error", metadata: ["peer": "\(peer)", "error": "\(error)"])
        closeNow()
    }

    func channelInactive(context: ChannelHandlerContext) {
        frameTimer?.cancel()
        idleTimer?.cancel()
        closing = true
        self.context = nil
        context.fireChannelInactive()
    }

    /// Holds reads while enough frames wait, so a client that never reads answers cannot fill memory.
    func read(context: ChannelHandlerContext) {
        if queued.count >= Self.maxQueuedFrames || closing {
            readHeld = true
        } else {
            context.read()
        }
    }

    // MARK: Framing

    private func decodeFrames() {
        var completed = false
        decoding: while frameError == nil, !lastFrameReceived {
            switch decoder.next() {
            case .needMore:
                break decoding
            case .frame(let frame):
                queued.append(frame)
                completed = true
                if frame.version == .v1 { lastFrameReceived = true }
            case .failure(let error):
                frameError = error
            }
        }
        updateFrameTimer(restart: completed)
    }

    /// Runs while part of a frame is buffered; restarts from now when a frame just completed (the next one began).
    private func updateFrameTimer(restart: Bool) {
        guard let context, decoder.bufferedByteCount > 0, !lastFrameReceived, frameError == nil, !inputClosed else {
            frameTimer?.cancel()
            frameTimer = nil
            return
        }
        guard restart || frameTimer == nil else { return }
        frameTimer?.cancel()
        frameTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeouts.frame) { [self] in
            logger.info("monitor request incomplete in time; closing", metadata: ["peer": "\(peer)"])
            closeNow()
        }
    }

    // MARK: Answering

    /// Starts the next queued request unless one is running; closes once nothing is left to answer.
    private func processQueue() {
        guard !busy, !closing, let context else { return }
        guard context.channel.isWritable else { return }
        if let frame = queued.popFirst() {
            resumeReadingIfHeld()
            busy = true
            let processor = self.processor
            context.eventLoop.makeFutureWithTask {
                await processor.answer(frame)
            }.assumeIsolated().whenComplete { [self] result in
                busy = false
                let outcome: MonitorOutcome
                switch result {
                case .success(let answered): outcome = answered
                case .failure:
                    outcome = MonitorOutcome(
                        response: .failure(MonitorFailure(.serverError, "the server is stopping"), to: frame),
                        admin: nil, request: MonitorRequestProcessor.rawDescription(of: frame))
                }
                finish(frame, outcome)
            }
            return
        }
        if let error = frameError {
            metrics.add(.monitorRequests)
            log(admin: nil, request: "unframed request", status: error.status, detail: error.message)
            send(error.response.encoded(), thenClose: true)
        } else if inputClosed || lastFrameReceived {
            closeNow()
        } else if decoder.bufferedByteCount == 0 {
            scheduleIdleTimer()
        }
    }

    private func finish(_ frame: MonitorRequestFrame, _ outcome: MonitorOutcome) {
        metrics.add(.monitorRequests)
        let detail = outcome.status == .ok ? nil : Self.message(of: outcome.response)
        log(admin: outcome.admin, request: outcome.request, status: outcome.status, detail: detail)
        guard context != nil, !closing else { return }
        let oneRequestOnly = frame.version == .v1
        send(outcome.response.encoded(), thenClose: oneRequestOnly)
        if !oneRequestOnly { processQueue() }
    }

    private func send(_ bytes: [UInt8], thenClose: Bool) {
        guard let context else { return }
        let buffer = context.channel.allocator.buffer(bytes: bytes)
        guard thenClose else {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            return
        }
        closing = true
        frameTimer?.cancel()
        idleTimer?.cancel()
        let channel = context.channel
        // Close only once the answer is on its way, so the client reads it before the FIN.
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    private func closeNow() {
        closing = true
        frameTimer?.cancel()
        idleTimer?.cancel()
        context?.close(promise: nil)
    }

    private func resumeReadingIfHeld() {
        guard readHeld, let context, queued.count < Self.maxQueuedFrames else { return }
        readHeld = false
        context.read()
    }

    private func scheduleIdleTimer() {
        guard let context, !closing else { return }
        idleTimer?.cancel()
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeouts.idle) { [self] in
            logger.debug("monitor connection idle; closing", metadata: ["peer": "\(peer)"])
            closeNow()
        }
    }

    // MARK: Logging

    /// One line per request: who, what and the status; the request text never holds a token or password.
    private func log(admin: String?, request: String, status: MonitorStatus, detail: String?) {
        let hex = String(status.rawValue, radix: 16)
        let metadata: Logger.Metadata = [
            "admin": "\(admin ?? "unauthenticated")", "peer": "\(peer)",
            "status": "0x\(hex.count < 2 ? "0" + hex : hex)",
        ]
        let reason = detail.map { $0.isEmpty ? "" : " (\($0))" } ?? ""
        logger.info("monitor request: \(request): \(status.name)\(reason)", metadata: metadata)
    }

    private static func message(of response: MonitorResponse) -> String? {
        if case .failure(let message) = response.body { return message }
        return nil
    }
}
