import Foundation
import Logging
import Maildir
import NIOCore
import POP3Core
import Storage

/// One login, from credentials to an opened maildrop or a refusal: the auth cache or the KDF off the event loop,
/// then the lock and the scan on the I/O pool. Logs and counts the attempt, and answers a refusal for bad
/// credentials only after the throttle's delay (scheduled on the event loop, never by a sleeping thread).
struct LoginAttempt {
    let server: ServerContext
    let peer: String
    let logger: Logger
    let eventLoop: any EventLoop

    enum Outcome {
        case opened(OpenedMaildrop, service: MaildropService)
        case refused(AuthenticationFailure)
    }

    /// Runs the attempt; `completion` runs on the event loop when the client may hear the answer.
    func run(user: String, password: [UInt8], completion: @escaping (Outcome) -> Void) {
        let users = server.cachingUsers
        let hashing = server.hashing
        let eventLoop = self.eventLoop
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
        .assumeIsolated().whenComplete { result in
            switch result {
            case .success((.valid, let cached)):
                server.throttle.success(address: peer)
                open(user: user, authentication: cached ? "cache" : "kdf", completion: completion)
            case .success((.invalid, _)):
                refuse(user, .badCredentials, .failed, password: password, since: attemptStarted, completion)
            case .failure(let error) where error is HashingQueue.Full:
                refuse(user, .temporary("Server busy, try again later."), .error, completion)
            case .failure(let error):
                logger.error("user store failed", metadata: ["error": "\(error)"])
                refuse(user, .temporary("Authentication is temporarily unavailable."), .error, completion)
            }
        }
    }

    private func open(user: String, authentication: String, completion: @escaping (Outcome) -> Void) {
        guard let name = MailboxName(user) else {
            refuse(user, .permanent("This user name cannot have a maildrop."), .error, completion)
            return
        }
        let service = MaildropService(store: server.maildir, lock: server.locks, journal: server.stores.journal)
        server.ioPool.runIfActive(eventLoop: eventLoop) { try service.open(user: name) }
            .assumeIsolated().whenComplete { result in
                switch result {
                case .success(let opened):
                    server.metrics.add(.loginsOK)
                    server.recorder.record(AuthEvent(time: Date(), userName: user, peer: peer, result: .ok))
                    logger.info(
                        "login",
                        metadata: [
                            "user": "\(user)", "messages": "\(opened.maildrop.messages.count)",
                            "size": "\(opened.maildrop.totalWireSize)", "auth": "\(authentication)",
                        ])
                    completion(.opened(opened, service: service))
                case .failure(let error as MaildropLockError) where error == .inUse:
                    refuse(user, .maildropInUse, .inUse, completion)
                case .failure(let error):
                    logger.error("cannot open maildrop", metadata: ["user": "\(user)", "error": "\(error)"])
                    refuse(user, .temporary("Unable to open the maildrop."), .error, completion)
                }
            }
    }

    /// Bad credentials are answered at attempt start + the throttle's delay, so how long the check itself took
    /// (unknown user, cheaper stored hash) does not show. `[IN-USE]` and server trouble are answered at once.
    private func refuse(
        _ user: String, _ failure: AuthenticationFailure, _ result: AuthResult, password: [UInt8] = [],
        since attemptStarted: NIODeadline = .now(), _ completion: @escaping (Outcome) -> Void
    ) {
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
        guard delay > .zero else { return completion(.refused(failure)) }
        eventLoop.assumeIsolated().scheduleTask(deadline: attemptStarted + delay) { completion(.refused(failure)) }
    }
}
