import Foundation
import Logging
import MonitorProtocol
import NIOCore
import NIOSSL
import Storage

/// Serves one POP3 connection: feeds framed lines to the `POP3Session` state machine one at a time and performs
/// the actions it returns. All blocking work (hashing, files, SQLite) runs on thread pools; every callback comes
/// back to this channel's event loop, where all of this handler's state lives.
final class POP3ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = POP3Inbound
    typealias OutboundOut = ByteBuffer

    /// Bytes read from a message file per thread-pool job while streaming RETR/TOP.
    static let chunkSize = 256 * 1_024

    private let server: ServerContext
    private let sessionID: String
    private var session: POP3Session
    private var logger: Logger
    private var context: ChannelHandlerContext?
    private var liveEntry: LiveSessions.Entry?
    private let startedAt = Date()

    /// Lines that arrived while the session waited for an asynchronous result (pipelining).
    private var queued = CircularBuffer<POP3Inbound>()
    private var needsFlush = false
    private var endReason: SessionEndReason?
    /// Runs when the channel becomes writable again (back-pressure while streaming).
    private var resumeWhenWritable: (() -> Void)?

    private var maildirStore: MaildirStore?
    private var maildrop: Maildrop?
    private var lock: MaildropLock?
    private var bytesIn: Int64 = 0
    private var bytesOut: Int64 = 0
    private var messageBytesSent: Int64 = 0

    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?

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

    private var peer: String {
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
        processQueue()
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
        lock?.release()
        lock = nil
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
        self.context = nil
        context.fireChannelInactive()
    }

    // MARK: The session loop

    /// Feeds queued lines to the session while it is not waiting for an asynchronous result.
    private func processQueue() {
        while !session.isAwaitingResult, endReason == nil, let inbound = queued.popFirst() {
            switch inbound {
            case .line(let bytes): perform(session.receiveLine(bytes))
            case .lineTooLong: perform(session.lineTooLong())
            }
        }
        flushIfNeeded()
    }

    private func perform(_ actions: [POP3SessionAction]) {
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
    private func resume(with actions: [POP3SessionAction]) {
        guard context != nil else { return }
        perform(actions)
        processQueue()
    }

    private func close(_ end: SessionEnd) {
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

    private func write(_ bytes: [UInt8]) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        write(buffer)
    }

    private func write(_ buffer: ByteBuffer, promise: EventLoopPromise<Void>? = nil) {
        guard let context else { return }
        countOut(buffer.readableBytes)
        context.write(wrapOutboundOut(buffer), promise: promise)
        needsFlush = true
    }

    private func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    private func countIn(_ count: Int) {
        bytesIn += Int64(count)
        liveEntry?.bytesIn.wrappingAdd(Int64(count), ordering: .relaxed)
        server.metrics.add(.bytesIn, Int64(count))
    }

    private func countOut(_ count: Int) {
        bytesOut += Int64(count)
        liveEntry?.bytesOut.wrappingAdd(Int64(count), ordering: .relaxed)
        server.metrics.add(.bytesOut, Int64(count))
    }

    // MARK: Timers

    /// One timer per connection, re-armed from the last activity: pre-login timeout before login,
    /// the RFC 1939 autologout after.
    private func scheduleIdleCheck() {
        guard let context else { return }
        let timeout = TimeAmount(
            session.user == nil ? server.configuration.preLoginTimeout : server.configuration.idleTimeout)
        let deadline = lastActivity + timeout
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            let currentTimeout = TimeAmount(
                session.user == nil ? server.configuration.preLoginTimeout : server.configuration.idleTimeout)
            if NIODeadline.now() >= lastActivity + currentTimeout, resumeWhenWritable == nil {
                logger.info("idle timeout")
                perform(session.idleTimeout())
                flushIfNeeded()
            } else {
                scheduleIdleCheck()
            }
        }
    }

    // MARK: STLS

    /// RFC 2595: the `+OK` is already written; flush it in clear, forget everything the client pipelined behind
    /// STLS, and put TLS in front of the framer.
    private func startTLS() {
        guard let context, let credentials = server.tls else {
            close(.protocolViolation)
            return
        }
        flushIfNeeded()
        queued.removeAll()
        do {
            let operations = context.pipeline.syncOperations
            try operations.handler(type: POP3LineFramer.self).discardBufferedInput()
            try operations.addHandler(NIOSSLServerHandler(context: credentials.context), position: .first)
            logger.debug("STLS: TLS handshake started")
        } catch {
            logger.error("STLS failed", metadata: ["error": "\(error)"])
            close(.protocolViolation)
        }
    }

    // MARK: Login

    private func authenticate(user: String, password: [UInt8]) {
        guard let context else { return }
        let users = server.cachingUsers
        let passwordText = String(decoding: password, as: UTF8.self)
        // A cached verification is a memory lookup: it skips the hashing queue (and any backlog there).
        let cached = users.isCached(name: user, password: passwordText)
        let verification =
            cached
            ? context.eventLoop.makeCompletedFuture { try users.verify(name: user, password: passwordText) }
            : server.hashing.submit(on: context.eventLoop) { try users.verify(name: user, password: passwordText) }
        verification.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(.valid):
                server.throttle.success(address: peer)
                openMaildrop(user: user, authentication: cached ? "cache" : "kdf")
            case .success(.invalid):
                loginFailed(user: user, .badCredentials, result: .failed, password: password)
            case .failure(let error) where error is HashingQueue.Full:
                loginFailed(user: user, .temporary("Server busy, try again later."), result: .error)
            case .failure(let error):
                logger.error("user store failed", metadata: ["error": "\(error)"])
                loginFailed(user: user, .temporary("Authentication is temporarily unavailable."), result: .error)
            }
        }
    }

    private func openMaildrop(user: String, authentication: String) {
        guard let context else { return }
        guard let name = MailboxName(user) else {
            loginFailed(user: user, .permanent("This user name cannot have a maildrop."), result: .error)
            return
        }
        let store = server.maildir
        let locks = server.locks
        server.ioPool.runIfActive(eventLoop: context.eventLoop) { () throws -> OpenedMaildrop in
            let directory = store.directory(for: name)
            try FileSystem.ensureDirectory(store.root)
            try FileSystem.ensureDirectory(directory)
            let lock = try locks.acquire(user: name, directory: directory)
            do {
                return OpenedMaildrop(maildrop: try store.open(user: name), lock: lock)
            } catch {
                lock.release()
                throw error
            }
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let opened):
                guard self.context != nil else {
                    opened.lock.release()
                    return
                }
                maildirStore = store
                maildrop = opened.maildrop
                lock = opened.lock
                liveEntry?.user.withLock { $0 = user }
                server.metrics.add(.loginsOK)
                server.recorder.record(AuthEvent(time: Date(), userName: user, peer: peer, result: .ok))
                logger[metadataKey: "user"] = "\(user)"
                logger.info(
                    "login",
                    metadata: [
                        "messages": "\(opened.maildrop.messages.count)", "size": "\(opened.maildrop.totalWireSize)",
                        "auth": "\(authentication)",
                    ])
                let listing = opened.maildrop.messages.map { MaildropEntry(size: $0.wireSize, uidl: $0.uidl) }
                resume(with: session.authenticationSucceeded(listing: listing))
            case .failure(let error as MaildropLockError) where error == .inUse:
                loginFailed(user: user, .maildropInUse, result: .inUse)
            case .failure(let error):
                logger.error("cannot open maildrop", metadata: ["user": "\(user)", "error": "\(error)"])
                loginFailed(user: user, .temporary("Unable to open the maildrop."), result: .error)
            }
        }
    }

    /// Answers a failed login; bad credentials wait the failure delay first (scheduled, never a blocked thread).
    private func loginFailed(
        user: String, _ failure: AuthenticationFailure, result: AuthResult, password: [UInt8] = []
    ) {
        guard let context else { return }
        server.recorder.record(AuthEvent(time: Date(), userName: user, peer: peer, result: result))
        if result == .failed { server.metrics.add(.loginsFailed) }
        let delay =
            failure == .badCredentials ? TimeAmount(server.throttle.failure(address: peer, password: password)) : .zero
        logger.info(
            "login failed",
            metadata: [
                "user": "\(user)", "reason": "\(result.rawValue)", "delay_ms": "\(delay.nanoseconds / 1_000_000)",
            ])
        guard delay > .zero else {
            resume(with: session.authenticationFailed(failure))
            return
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            resume(with: session.authenticationFailed(failure))
        }
    }

    // MARK: RETR and TOP

    private func sendMessage(number: Int, size: Int, bodyLines: Int?) {
        guard let context, let maildrop, let store = maildirStore, maildrop.messages.indices.contains(number - 1)
        else {
            resume(with: session.messageUnavailable(number: number))
            return
        }
        let message = maildrop.messages[number - 1]
        let allocator = context.channel.allocator
        // Opening and the first chunk share one pool job: a small message costs a single hop.
        server.ioPool.runIfActive(eventLoop: context.eventLoop) { () throws -> OpenedMessage in
            let reader = try store.openMessage(message, in: maildrop)
            do {
                let chunk = try Self.readChunk(reader, encoder: WireEncoder(bodyLines: bodyLines), allocator: allocator)
                return OpenedMessage(reader: reader, firstChunk: chunk)
            } catch {
                reader.close()
                throw error
            }
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let opened):
                write(POP3Response.ok("\(size) octets").encoded())
                deliver(opened.firstChunk, number: number, reader: opened.reader)
            case .failure(let error):
                logger.info("message unavailable", metadata: ["number": "\(number)", "error": "\(error)"])
                resume(with: session.messageUnavailable(number: number))
            }
        }
    }

    /// Reads up to one chunk and encodes it; runs on the pool. Reads on after a short read, so a message that ends
    /// inside this chunk is finished here instead of costing another job.
    private static func readChunk(_ reader: MessageReader, encoder: WireEncoder, allocator: ByteBufferAllocator)
        throws -> EncodedChunk
    {
        var encoder = encoder
        var raw = allocator.buffer(capacity: min(chunkSize, reader.fileSize + 1))
        var atEnd = false
        while raw.readableBytes < chunkSize {
            let count = try reader.read(into: &raw, maxBytes: chunkSize - raw.readableBytes)
            if count == 0 {
                atEnd = true
                break
            }
        }
        var wire = allocator.buffer(capacity: raw.readableBytes + raw.readableBytes / 16 + 8)
        if raw.readableBytes > 0 { encoder.encode(raw, into: &wire) }
        let finished = atEnd || encoder.isComplete
        if finished { encoder.finish(into: &wire) }
        return EncodedChunk(encoder: encoder, wire: wire, finished: finished)
    }

    /// Streams the next chunk from the pool, while the channel stays writable.
    private func streamChunk(number: Int, reader: MessageReader, encoder: WireEncoder) {
        guard let context else {
            reader.close()
            return
        }
        let allocator = context.channel.allocator
        server.ioPool.runIfActive(eventLoop: context.eventLoop) {
            try Self.readChunk(reader, encoder: encoder, allocator: allocator)
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let chunk):
                deliver(chunk, number: number, reader: reader)
            case .failure(let error):
                // The +OK is already out: the only honest answer left is to drop the connection.
                reader.close()
                logger.error("read failed mid-message", metadata: ["number": "\(number)", "error": "\(error)"])
                endReason = .error
                flushIfNeeded()
                self.context?.close(promise: nil)
            }
        }
    }

    /// Writes one encoded chunk; finishes the message or asks for the next chunk when the channel can take it.
    private func deliver(_ chunk: EncodedChunk, number: Int, reader: MessageReader) {
        guard let context else {
            reader.close()
            return
        }
        messageBytesSent += Int64(chunk.wire.readableBytes)
        write(chunk.wire)
        lastActivity = .now()
        if chunk.finished {
            reader.close()
            server.metrics.add(.messagesRetrieved)
            resume(with: session.messageSent(number: number))
            return
        }
        flushIfNeeded()
        let next = { [self] in streamChunk(number: number, reader: reader, encoder: chunk.encoder) }
        if context.channel.isWritable { next() } else { resumeWhenWritable = next }
    }

    // MARK: DELE, RSET, QUIT

    private func recordDeletion(number: Int) {
        guard let context, let maildrop, maildrop.messages.indices.contains(number - 1) else {
            resume(with: session.deletionRecorded(number: number, succeeded: false))
            return
        }
        let message = maildrop.messages[number - 1]
        let journal = server.stores.journal
        let (sessionID, user) = (self.sessionID, maildrop.user.value)
        server.ioPool.runIfActive(eventLoop: context.eventLoop) {
            try journal.addPending(
                session: sessionID, user: user, baseName: message.baseName, fileName: message.fileName)
        }.assumeIsolated().whenComplete { [self] result in
            if case .failure(let error) = result {
                logger.error("journal write failed", metadata: ["error": "\(error)"])
            }
            resume(with: session.deletionRecorded(number: number, succeeded: (try? result.get()) != nil))
        }
    }

    private func resetDeletions() {
        guard let context else { return }
        let journal = server.stores.journal
        let sessionID = self.sessionID
        server.ioPool.runIfActive(eventLoop: context.eventLoop) {
            try journal.clearPending(session: sessionID)
        }.assumeIsolated().whenComplete { [self] result in
            resume(with: session.deletionsReset(succeeded: (try? result.get()) != nil))
        }
    }

    /// UPDATE: mark the session's rows committing (the point of no return), unlink each file, mark each done.
    private func commitDeletions() {
        guard let context, let maildrop, let store = maildirStore else {
            resume(with: session.updateFinished(succeeded: false))
            return
        }
        let journal = server.stores.journal
        let sessionID = self.sessionID
        server.ioPool.runIfActive(eventLoop: context.eventLoop) { () throws -> DeletionOutcome in
            let entries = try journal.markCommitting(session: sessionID)
            var removed: [Int64] = []
            var failures = 0
            for entry in entries {
                if (try? store.removeMessage(user: maildrop.user, baseName: entry.baseName, fileName: entry.fileName))
                    != nil
                {
                    removed.append(entry.id)
                } else {
                    failures += 1
                }
            }
            try journal.markDone(ids: removed)
            return DeletionOutcome(removed: removed.count, failures: failures)
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let outcome):
                server.metrics.add(.messagesDeleted, Int64(outcome.removed))
                if outcome.failures > 0 {
                    logger.error(
                        "some deletions failed; they finish at the next start",
                        metadata: ["failed": "\(outcome.failures)"])
                }
                resume(with: session.updateFinished(succeeded: outcome.failures == 0))
            case .failure(let error):
                logger.error("deletion journal failed", metadata: ["error": "\(error)"])
                resume(with: session.updateFinished(succeeded: false))
            }
        }
    }
}

/// A locked and scanned maildrop, handed from the pool to the event loop.
private struct OpenedMaildrop: Sendable {
    let maildrop: Maildrop
    let lock: MaildropLock
}

/// A message opened on the pool, with its first encoded chunk.
private struct OpenedMessage: Sendable {
    let reader: MessageReader
    let firstChunk: EncodedChunk
}

/// One encoded chunk of a message and the encoder state to continue with.
private struct EncodedChunk: Sendable {
    let encoder: WireEncoder
    let wire: ByteBuffer
    let finished: Bool
}

private struct DeletionOutcome: Sendable {
    let removed: Int
    let failures: Int
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
