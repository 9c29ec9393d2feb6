import Logging
import Maildir
import NIOCore
import NIOSSL
import POP3Core
import Storage

/// Serves one POP3 connection: hands each framed line and each I/O result to the `POP3Session` state machine and
/// performs the actions it returns. Blocking work runs elsewhere (`LoginAttempt` and `DeletionSteps` through the
/// stores and the maildrop service, which hop to their own threads; `MessageStreamer` and lock releases on the
/// file pool); every result comes back to this channel's event loop, where all of this handler's state lives.
final class POP3ConnectionHandler: ChannelDuplexHandler, MessageStreamSink {
    typealias InboundIn = POP3Inbound
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let factory: POP3ConnectionFactory
    private let sessionID: String
    private let peer: String
    private let decoder: POP3LineDecoder
    private let accounting: SessionAccounting
    private var session: POP3Session
    private var logger: Logger
    private var context: ChannelHandlerContext?
    private var streamer: MessageStreamer?
    /// The open maildrop and the service that reaches it, after a login.
    private var opened: (maildrop: OpenedMaildrop, service: MaildropService)?
    private var deletions: DeletionSteps?
    private var timer: Scheduled<Void>?
    /// The session asked not to read (too much input waits), and a read was held back meanwhile.
    private var readingPaused = false
    private var readHeld = false
    private var needsFlush = false
    private var endReason: SessionEndReason?
    /// The maildrop lock was given back ahead of the session's last answer.
    private var leaseReleased = false
    /// QUIT's UPDATE is running.
    private var committing = false
    /// The lock of a session whose connection closed while its UPDATE ran: given back once the UPDATE is done.
    private var leaseAfterCommit: (any MaildropLease)?
    /// The mechanism label of the next login's metrics.
    private var mechanism = LoginMechanismTracker()
    /// The RETR being sent and when it started, for its duration and size histograms.
    private var retrStarted: (number: Int, at: NIODeadline)?

    init(
        session: POP3Session, sessionID: String, peer: String, factory: POP3ConnectionFactory,
        decoder: POP3LineDecoder, logger: Logger
    ) {
        self.factory = factory
        self.sessionID = sessionID
        self.peer = peer
        self.decoder = decoder
        self.accounting = SessionAccounting(book: factory.book, sessionID: sessionID, peer: peer)
        self.session = session
        self.logger = logger
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        accounting.connected(channel: context.channel)
        logger.info("connect")
        perform(session.start(now: .now))
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let inbound = unwrapInboundIn(data)
        accounting.countIn(inbound.wireLength)
        mechanism.observe(inbound)
        perform(session.received(inbound, now: .now))
    }

    func read(context: ChannelHandlerContext) {
        if readingPaused { readHeld = true } else { context.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { streamer?.channelBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ServerShutdownEvent: perform(session.shutdown())
        case is MaildropLockLostEvent:
            // Only a session holding a maildrop is affected; its deletions are not committed.
            guard opened != nil else { return }
            logger.warning("session ended: the cluster lock connection was lost")
            perform(session.lockLost())
        default: context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        streamer?.stop()
        var lease = leaseReleased ? nil : opened?.maildrop.lease
        // The maildrop stays locked until that UPDATE is done: given back now, the UPDATE would find its lock gone
        // (on PostgreSQL it then deletes nothing) and another session could open the maildrop in the middle of it.
        if committing, let held = lease {
            leaseAfterCommit = held
            lease = nil
        }
        // A session that ends without QUIT leaves its DELE marks behind: drop them now rather than at the next
        // recovery, and only then give the maildrop back. One whose QUIT is being applied keeps them, even when the
        // client is gone before it finishes.
        if session.counters.dele > 0, session.state != .update, endReason != .quit, let deletions {
            deletions.discardAfterDrop(thenRelease: lease, files: factory.files)
        } else if let lease {
            releaseOffLoop(lease)
        }
        accounting.finished(
            reason: endReason ?? .dropped, user: session.user, counters: session.counters,
            maildropSize: opened?.maildrop.maildrop.totalWireSize ?? 0, logger: logger)
        // A big maildrop's listing is freed on the pool: 50,000 entries take milliseconds an event loop should not.
        if let retired = opened?.maildrop.maildrop, retired.messages.count >= 1_000 {
            let listing = session.releaseListing()
            factory.files.submit { _ in withExtendedLifetime((retired, listing)) {} }
        }
        opened = nil
        self.context = nil
        context.fireChannelInactive()
    }

    /// Unlocking closes a file or asks the database: never on the event loop. (A lease also unlocks when freed.)
    private func releaseOffLoop(_ lease: any MaildropLease) {
        let files = factory.files
        Task { await lease.release(files: files) }
    }

    // MARK: Actions

    private func perform(_ actions: [POP3SessionAction]) {
        guard let context else { return }
        // The last answer goes out after the maildrop is released (RFC 1939 UPDATE releases before it answers
        // QUIT), so a client that logs in again as soon as it reads that answer is never told [IN-USE].
        if actions.contains(where: \.closesSession), !leaseReleased, let lease = opened?.maildrop.lease {
            leaseReleased = true
            let files = factory.files
            context.eventLoop.runTask { await lease.release(files: files) }
                .assumeIsolated().whenComplete { [self] _ in perform(actions) }
            return
        }
        for action in actions {
            switch action {
            case .send(let response): write(context.channel.allocator.buffer(bytes: response.encoded()))
            case .authenticate(let user, let password): authenticate(.password(user: user, password: password))
            case .authenticateBearer(let user, let token): authenticate(.bearer(user: user, token: token))
            case .lookUpSCRAM(let user): lookUpSCRAM(user: user)
            case .authenticateSCRAM(let user, let authMessage, let proof):
                authenticate(.scram(user: user, authMessage: authMessage, proof: proof))
            case .sendMessage(let number, let status, let bodyLines, let readAhead):
                guard let opened else {
                    perform(session.messageUnavailable(number: number))
                    continue
                }
                if bodyLines == nil { retrStarted = (number, .now()) }
                if streamer == nil {
                    streamer = MessageStreamer(
                        files: factory.files, channel: context.channel, logger: logger, sink: self)
                }
                streamer?.send(
                    number: number, status: status, bodyLines: bodyLines, readAheadNumbers: readAhead,
                    from: opened.maildrop.maildrop, service: opened.service)
            case .recordDeletion(let number):
                deletions?.record(number) { [self] ok in answer { $0.deletionRecorded(number: number, succeeded: ok) } }
            case .resetDeletions:
                deletions?.reset { [self] ok in answer { $0.deletionsReset(succeeded: ok) } }
            case .commitDeletions(_, let expiring):
                committing = deletions != nil
                deletions?.commit(expiring: expiring) { [self] ok in
                    committing = false
                    if let lease = leaseAfterCommit {
                        leaseAfterCommit = nil
                        releaseOffLoop(lease)
                    }
                    answer { $0.updateFinished(succeeded: ok) }
                }
            case .recordRetrieval(let number): recordRetrieval(number)
            case .startTLS: startTLS(context: context)
            case .close(let end):
                if end == .timeout { logger.info("idle timeout") }
                endReason = SessionEndReason(end)
                flushIfNeeded()
                context.close(promise: nil)
            case .armTimer(let deadline): arm(deadline, on: context.eventLoop)
            case .pauseReading: readingPaused = true
            case .resumeReading:
                readingPaused = false
                if readHeld {
                    readHeld = false
                    context.read()
                }
            case .dropReadAhead: streamer?.dropReadAhead()
            }
        }
        flushIfNeeded()
    }

    private func authenticate(_ credentials: LoginAttempt.Credentials) {
        guard let context else { return }
        LoginAttempt(service: factory.login, peer: peer, logger: logger, eventLoop: context.eventLoop)
            .run(credentials, mechanism: mechanism.mechanism) { [self] outcome in
                switch outcome {
                case .opened(let maildrop, let service, let user, let policy, let serverSignature):
                    guard self.context != nil else { return releaseOffLoop(maildrop.lease) }
                    // The cluster's lock connection broke between the lock and here: its end-of-sessions notice
                    // went past this session, which held no maildrop yet.
                    guard maildrop.lease.isHeld else {
                        releaseOffLoop(maildrop.lease)
                        logger.warning("login refused: the cluster lock connection was lost during the login")
                        return answer { $0.authenticationFailed(.temporary("Unable to open the maildrop.")) }
                    }
                    opened = (maildrop, service)
                    accounting.loggedIn(user: user)
                    logger[metadataKey: "user"] = "\(user)"
                    deletions = DeletionSteps(
                        service: service, maildrop: maildrop.maildrop, lease: maildrop.lease, sessionID: sessionID,
                        metrics: factory.book.metrics,
                        eventLoop: context.eventLoop, logger: logger)
                    let listing = maildrop.maildrop.messages.map { MaildropEntry(size: $0.wireSize, uidl: $0.uidl) }
                    if let serverSignature {
                        answer {
                            $0.scramAuthenticationSucceeded(
                                serverSignature: serverSignature, listing: listing, policy: policy)
                        }
                    } else if case .bearer = credentials {
                        answer { $0.bearerAuthenticationSucceeded(user: user, listing: listing, policy: policy) }
                    } else {
                        answer { $0.authenticationSucceeded(listing: listing, policy: policy) }
                    }
                case .refused(let failure):
                    answer { $0.authenticationFailed(failure) }
                }
            }
    }

    /// EXPIRE n: the first retrieval of a message is remembered (a message retrieved before keeps its time). The
    /// client does not wait for it; should the write fail, the message only stays longer.
    private func recordRetrieval(_ number: Int) {
        guard let policies = factory.login.policies, let maildrop = opened?.maildrop.maildrop,
            maildrop.messages.indices.contains(number - 1)
        else { return }
        policies.noteRetrieval(user: maildrop.user, uidl: maildrop.messages[number - 1].uidl, logger: logger)
    }

    /// SCRAM's first step: the salt (real or fake) and a fresh server nonce, read off the event loop.
    private func lookUpSCRAM(user: String) {
        guard let context else { return }
        guard let scram = factory.login.scram else {
            return answer { $0.authenticationFailed(.temporary("Authentication is temporarily unavailable.")) }
        }
        context.eventLoop.runTask { try await scram.challenge(user: user) }
            .assumeIsolated().whenComplete { [self] result in
                switch result {
                case .success(let challenge):
                    answer {
                        $0.scramChallenge(
                            salt: challenge.salt, iterations: challenge.iterations, serverNonce: challenge.serverNonce)
                    }
                case .failure(let error):
                    logger.error("user store failed", metadata: ["error": "\(error)"])
                    answer { $0.authenticationFailed(.temporary("Authentication is temporarily unavailable.")) }
                }
            }
    }

    /// Feeds a result the client was waiting for: its idle time starts now.
    private func answer(_ event: (inout POP3Session) -> [POP3SessionAction]) {
        session.progressed(now: .now)
        perform(event(&session))
    }

    /// RFC 2595: the `+OK` is already written; flush it in clear, forget what the client sent after STLS, and put
    /// TLS in front of the decoder.
    private func startTLS(context: ChannelHandlerContext) {
        flushIfNeeded()
        decoder.discardBufferedInput()
        do {
            guard let credentials = factory.tls else { throw NIOSSLError.failedToLoadCertificate }
            try context.pipeline.syncOperations.addHandler(
                NIOSSLServerHandler(context: credentials.context), position: .first)
        } catch {
            logger.error("STLS failed", metadata: ["error": "\(error)"])
            endReason = .error
            context.close(promise: nil)
        }
    }

    private func arm(_ deadline: POP3Instant, on eventLoop: any EventLoop) {
        timer?.cancel()
        timer = eventLoop.assumeIsolated().scheduleTask(deadline: NIODeadline.uptimeNanoseconds(deadline.nanoseconds)) {
            [self] in
            perform(session.timerFired(now: .now))
        }
    }

    // MARK: Output

    private func write(_ buffer: ByteBuffer) {
        guard let context else { return }
        accounting.countOut(buffer.readableBytes)
        context.write(wrapOutboundOut(buffer), promise: nil)
        needsFlush = true
    }

    private func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    // MARK: MessageStreamSink

    func writeMessage(_ buffer: ByteBuffer, isContent: Bool) {
        if isContent {
            accounting.messageBytesSent += Int64(buffer.readableBytes)
            session.progressed(now: .now)
        }
        write(buffer)
    }

    func flushMessage() { flushIfNeeded() }

    var canTakeMore: Bool { context?.channel.isWritable ?? false }

    func messageSent(number: Int) {
        factory.book.metrics.add(.messagesRetrieved)
        if let started = retrStarted, started.number == number {
            retrStarted = nil
            let detail = factory.book.metrics.detail
            detail.retrDuration.observe((NIODeadline.now() - started.at).nanoseconds)
            if let messages = opened?.maildrop.maildrop.messages, messages.indices.contains(number - 1) {
                detail.retrSize.observe(Int64(messages[number - 1].wireSize))
            }
        }
        perform(session.messageSent(number: number))
    }

    func messageUnavailable(number: Int) { perform(session.messageUnavailable(number: number)) }

    func messageBroken(number: Int) {
        // The +OK is already out: the only honest answer left is to drop the connection.
        endReason = .error
        flushIfNeeded()
        context?.close(promise: nil)
    }
}

extension POP3Instant {
    /// The event loop's clock (NIO's uptime nanoseconds).
    static var now: POP3Instant { POP3Instant(nanoseconds: NIODeadline.now().uptimeNanoseconds) }
}
