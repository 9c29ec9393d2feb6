import Foundation
import Logging
import Maildir
import NIOCore
import NIOSSL
import POP3Core
import Storage

// STLS and login: credentials off the event loop, then the maildrop lock and scan.
extension POP3ConnectionHandler {
    // MARK: STLS

    /// RFC 2595: the `+OK` is already written; flush it in clear, forget everything the client pipelined behind
    /// STLS, and put TLS in front of the framer.
    func startTLS() {
        guard let context, let credentials = server.tls else {
            close(.protocolViolation)
            return
        }
        flushIfNeeded()
        discardQueuedInput()
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

    func authenticate(user: String, password: [UInt8]) {
        guard let context else { return }
        let users = server.cachingUsers
        let hashing = server.hashing
        let eventLoop = context.eventLoop
        let passwordText = String(decoding: password, as: UTF8.self)
        let attemptStarted = NIODeadline.now()
        // The cache is asked first on the I/O pool (one read: is the stored hash unchanged?), so a cached login
        // skips the hashing queue and any backlog there; a miss goes to the KDF.
        server.ioPool.runIfActive(eventLoop: eventLoop) {
            try users.verifyFromCache(name: user, password: passwordText)
        }
        .flatMap { cached -> EventLoopFuture<(PasswordCheck, Bool)> in
            if cached { return eventLoop.makeSucceededFuture((.valid, true)) }
            return hashing.submit(on: eventLoop) { (try users.verify(name: user, password: passwordText), false) }
        }
        .assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success((.valid, let cached)):
                server.throttle.success(address: peer)
                openMaildrop(user: user, authentication: cached ? "cache" : "kdf")
            case .success((.invalid, _)):
                loginFailed(
                    user: user, .badCredentials, result: .failed, password: password, attemptStarted: attemptStarted)
            case .failure(let error) where error is HashingQueue.Full:
                loginFailed(user: user, .temporary("Server busy, try again later."), result: .error)
            case .failure(let error):
                logger.error("user store failed", metadata: ["error": "\(error)"])
                loginFailed(user: user, .temporary("Authentication is temporarily unavailable."), result: .error)
            }
        }
    }

    func openMaildrop(user: String, authentication: String) {
        guard let context else { return }
        guard let name = MailboxName(user) else {
            loginFailed(user: user, .permanent("This user name cannot have a maildrop."), result: .error)
            return
        }
        let store = server.maildir
        let locks = server.locks
        server.ioPool.runIfActive(eventLoop: context.eventLoop) { () throws -> OpenedMaildrop in
            // The lock creates the maildrop folder (and the root) on a first login; the scan creates cur/ and new/.
            let lock = try locks.acquire(user: name, directory: store.directory(for: name))
            do {
                let maildrop = try store.open(user: name)
                let listing = maildrop.messages.map { MaildropEntry(size: $0.wireSize, uidl: $0.uidl) }
                return OpenedMaildrop(maildrop: maildrop, listing: listing, lock: lock)
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
                resume(with: session.authenticationSucceeded(listing: opened.listing))
                rearmIdleCheck()
            case .failure(let error as MaildropLockError) where error == .inUse:
                loginFailed(user: user, .maildropInUse, result: .inUse)
            case .failure(let error):
                logger.error("cannot open maildrop", metadata: ["user": "\(user)", "error": "\(error)"])
                loginFailed(user: user, .temporary("Unable to open the maildrop."), result: .error)
            }
        }
    }

    /// Answers a failed login. Bad credentials are answered at attempt start + the throttle's delay, so how long
    /// the check itself took (unknown user, cheaper stored hash) does not show; scheduled, never a blocked thread.
    func loginFailed(
        user: String, _ failure: AuthenticationFailure, result: AuthResult, password: [UInt8] = [],
        attemptStarted: NIODeadline = .now()
    ) {
        guard let context else { return }
        server.recorder.record(AuthEvent(time: Date(), userName: user, peer: peer, result: result))
        if result == .failed { server.metrics.add(.loginsFailed) }
        let delay =
            failure == .badCredentials
            ? TimeAmount(server.throttle.failure(address: peer, user: user, password: password)) : .zero
        logger.info(
            "login failed",
            metadata: [
                "user": "\(user)", "reason": "\(result.rawValue)", "delay_ms": "\(delay.nanoseconds / 1_000_000)",
            ])
        guard delay > .zero else {
            resume(with: session.authenticationFailed(failure))
            return
        }
        context.eventLoop.assumeIsolated().scheduleTask(deadline: attemptStarted + delay) { [self] in
            resume(with: session.authenticationFailed(failure))
        }
    }
}

/// A locked and scanned maildrop, handed from the pool to the event loop.
struct OpenedMaildrop: Sendable {
    let maildrop: Maildrop
    /// The session's view of the messages, built on the pool with the maildrop.
    let listing: [MaildropEntry]
    let lock: MaildropLock
}
