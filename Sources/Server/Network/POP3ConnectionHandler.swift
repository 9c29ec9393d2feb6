import Foundation
import Logging
import Maildir
import MonitorProtocol
import NIOCore
import NIOSSL
import POP3Core
import Storage

/// Serves one POP3 connection: feeds framed lines to the `POP3Session` state machine one at a time and performs
/// the actions it returns. All blocking work (hashing, files, SQLite) runs on thread pools; every callback comes
/// back to this channel's event loop, where all of this handler's state lives.
///
/// Input is bounded: while the lines waiting for the session pass `InputQueueLimit`, the handler holds the
/// channel's reads (the kernel's socket buffer then pushes back on the client) and lets them go once it drains.
final class POP3ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = POP3Inbound
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How much input may wait for the session (pipelining, or lines sent during a failed login's delay) before
    /// the socket is no longer read.
    enum InputQueueLimit {
        static let lines = 64
        static let bytes = 64 * 1_024
    }

    /// Bytes read from a message file per thread-pool job while streaming RETR/TOP.
    static let chunkSize = 256 * 1_024

    let server: ServerContext
    let sessionID: String
    var session: POP3Session
    var logger: Logger
    var context: ChannelHandlerContext?
    var liveEntry: LiveSessions.Entry?
    let startedAt = Date()

    /// Lines that arrived while the session waited for an asynchronous result (pipelining).
    var queued = CircularBuffer<POP3Inbound>()
    /// Octets of the lines in `queued`, line ends included.
    var queuedBytes = 0
    /// True while a read is held back because `queued` is over its limit.
    var readHeld = false
    /// Whole small messages read ahead for RETRs still waiting in `queued`, by message number.
    var prefetched: [Int: EncodedChunk] = [:]
    /// True while QUIT's deletions are being applied: the QUIT's own answer ends the session then, so a shutdown
    /// or an idle timeout must not answer "-ERR" for a QUIT that is about to delete.
    var committing = false
    var needsFlush = false
    var endReason: SessionEndReason?
    /// Runs when the channel becomes writable again (back-pressure while streaming).
    var resumeWhenWritable: (() -> Void)?

    var maildirStore: MaildirStore?
    var maildrop: Maildrop?
    var lock: MaildropLock?
    var bytesIn: Int64 = 0
    var bytesOut: Int64 = 0
    var messageBytesSent: Int64 = 0

    var lastActivity = NIODeadline.now()
    var idleCheck: Scheduled<Void>?

    init(server: ServerContext, sessionID: String, peer: String, implicitTLS: Bool) {
        self.server = server
        self.sessionID = sessionID
        self.session = POP3Session(
            configuration: POP3SessionConfiguration(
                implementation: "pop3d \(ServerConfiguration.version)", greeting: "pop3d ready.",
                tlsAvailable: server.tls != nil, tlsActive: implicitTLS,
                plaintextAuthAllowed: server.plaintextAuthAllowed(peer: peer)))
        var logger = server.logger
        logger[metadataKey: "session"] = "\(sessionID)"
        logger[metadataKey: "peer"] = "\(peer)"
        self.logger = logger
    }

    var peer: String {
        logger[metadataKey: "peer"].map { "\($0)" } ?? "unknown"
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        let entry = LiveSessions.Entry(sessionID: sessionID, peer: peer, since: startedAt, channel: context.channel)
        liveEntry = entry
        server.liveSessions.register(entry)
        server.metrics.add(.connectionsCurrent)
        server.metrics.add(.connectionsTotal)
        logger.info("connect")
        scheduleIdleCheck()
        perform(session.start())
        flushIfNeeded()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let inbound = unwrapInboundIn(data)
        if case .line(let bytes) = inbound { countIn(bytes.count + 2) } else { countIn(2) }
        lastActivity = .now()
        queued.append(inbound)
        queuedBytes += inbound.wireLength
        processQueue()
    }

    func read(context: ChannelHandlerContext) {
        if queued.count >= InputQueueLimit.lines || queuedBytes >= InputQueueLimit.bytes {
            readHeld = true
        } else {
            context.read()
        }
    }

    /// Empties the input queue (STLS discards what was pipelined before the handshake).
    func discardQueuedInput() {
        queued.removeAll()
        queuedBytes = 0
        releaseHeldRead()
    }

    /// Lets a held read go once the queue is back under its limit.
    func releaseHeldRead() {
        guard readHeld, queued.count < InputQueueLimit.lines, queuedBytes < InputQueueLimit.bytes, let context
        else { return }
        readHeld = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let resume = resumeWhenWritable {
            resumeWhenWritable = nil
            resume()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerShutdownEvent {
            guard !committing else { return }
            perform(session.shutdown())
            flushIfNeeded()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        resumeWhenWritable = nil  // drops a paused stream's reader (its descriptor closes with it)
        discardPendingDeletions()
        releaseLock()
        server.liveSessions.remove(sessionID)
        server.metrics.add(.connectionsCurrent, -1)
        let reason = endReason ?? .dropped
        switch reason {
        case .quit: server.metrics.add(.sessionsQuit)
        case .timeout: server.metrics.add(.sessionsTimeout)
        case .shutdown: server.metrics.add(.sessionsShutdown)
        case .dropped, .error: server.metrics.add(.sessionsDropped)
        }
        let counters = session.counters
        server.recorder.record(
            SessionRecord(
                sessionID: sessionID, user: session.user, peer: peer, startedAt: startedAt, endedAt: Date(),
                bytesIn: bytesIn, bytesOut: bytesOut, retrCount: counters.retr, topCount: counters.top,
                deleCount: counters.dele, endReason: reason))
        if let user = session.user {
            logger.info(
                "logout",
                metadata: [
                    "user": "\(user)", "reason": "\(reason.rawValue)", "top": "\(counters.top)",
                    "retr": "\(counters.retr)/\(messageBytesSent)", "del": "\(counters.dele)",
                    "size": "\(maildrop?.totalWireSize ?? 0)", "in": "\(bytesIn)", "out": "\(bytesOut)",
                ])
        }
        logger.info("disconnect", metadata: ["reason": "\(reason.rawValue)"])
        retireMaildrop()
        self.context = nil
        context.fireChannelInactive()
    }

    /// Frees a big maildrop's listing on the pool: 50,000 messages take milliseconds to free, which an event
    /// loop serving other sessions should not spend.
    private func retireMaildrop() {
        guard let retired = maildrop else { return }
        let view = session.releaseListing()
        maildrop = nil
        guard retired.messages.count >= 1_000 else { return }
        server.ioPool.submit { _ in withExtendedLifetime((retired, view)) {} }
    }

    // MARK: The session loop

    /// Feeds queued lines to the session while it is not waiting for an asynchronous result.
    func processQueue() {
        while !session.isAwaitingResult, endReason == nil, let inbound = queued.popFirst() {
            queuedBytes -= inbound.wireLength
            switch inbound {
            case .line(let bytes): perform(session.receiveLine(bytes))
            case .lineTooLong: perform(session.lineTooLong())
            }
        }
        // Read-ahead only serves lines still queued: once none are, what is left will never be asked for.
        if queued.isEmpty, !session.isAwaitingResult { prefetched.removeAll() }
        flushIfNeeded()
        releaseHeldRead()
    }

    func perform(_ actions: [POP3SessionAction]) {
        // A session's last answer goes out after its maildrop is released (RFC 1939 UPDATE releases before it
        // answers QUIT), so a client that logs in again as soon as it reads that answer is never told [IN-USE].
        if actions.contains(where: \.closesSession) { releaseLock() }
        for action in actions {
            switch action {
            case .send(let response):
                write(response.encoded())
            case .authenticate(let user, let password):
                authenticate(user: user, password: password)
            case .sendMessage(let number, let size, let bodyLines):
                sendMessage(number: number, size: size, bodyLines: bodyLines)
            case .recordDeletion(let number):
                recordDeletion(number: number)
            case .resetDeletions:
                resetDeletions()
            case .commitDeletions:
                commitDeletions()
            case .startTLS:
                startTLS()
            case .close(let end):
                close(end)
            }
        }
    }

    /// Continues after an asynchronous result: perform the callback's actions, then the queued lines.
    func resume(with actions: [POP3SessionAction]) {
        guard context != nil else { return }
        perform(actions)
        processQueue()
    }

    func releaseLock() {
        lock?.release()
        lock = nil
    }

    func close(_ end: SessionEnd) {
        switch end {
        case .quit: endReason = .quit
        case .timeout: endReason = .timeout
        case .shutdown: endReason = .shutdown
        case .tooManyBadCommands, .protocolViolation: endReason = .error
        }
        flushIfNeeded()
        context?.close(promise: nil)
    }

    // MARK: Output

    func write(_ bytes: [UInt8]) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        write(buffer)
    }

    func write(_ buffer: ByteBuffer, promise: EventLoopPromise<Void>? = nil) {
        guard let context else { return }
        countOut(buffer.readableBytes)
        context.write(wrapOutboundOut(buffer), promise: promise)
        needsFlush = true
    }

    func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    func countIn(_ count: Int) {
        bytesIn += Int64(count)
        liveEntry?.bytesIn.wrappingAdd(Int64(count), ordering: .relaxed)
        server.metrics.add(.bytesIn, Int64(count))
    }

    func countOut(_ count: Int) {
        bytesOut += Int64(count)
        liveEntry?.bytesOut.wrappingAdd(Int64(count), ordering: .relaxed)
        server.metrics.add(.bytesOut, Int64(count))
    }

    // MARK: Timers

    /// One timer per connection, re-armed from the last activity: pre-login timeout before login,
    /// the RFC 1939 autologout after. Activity is a line read or a chunk of a message written, so a client that
    /// stops reading a RETR is idle too. The timer only ever re-arms for a deadline still ahead.
    func scheduleIdleCheck() {
        guard let context else { return }
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: idleDeadline) { [self] in
            if NIODeadline.now() >= idleDeadline {
                idleTimedOut()
            } else {
                scheduleIdleCheck()
            }
        }
    }

    /// A login switches from the pre-login limit to the idle timeout, which may be the shorter: arm for it now.
    func rearmIdleCheck() {
        idleCheck?.cancel()
        scheduleIdleCheck()
    }

    private var idleDeadline: NIODeadline {
        let timeout = session.user == nil ? server.configuration.preLoginTimeout : server.configuration.idleTimeout
        return lastActivity + TimeAmount(timeout)
    }

    private func idleTimedOut() {
        logger.info("idle timeout")
        guard resumeWhenWritable == nil, !committing else {
            // In the middle of a message (a reader that stopped reading) or of QUIT's UPDATE, no -ERR can be put
            // on the wire: close. Deletions being applied go on; the journal finishes them whatever happens.
            _ = session.idleTimeout()
            endReason = .timeout
            context?.close(promise: nil)
            return
        }
        perform(session.idleTimeout())
        flushIfNeeded()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
