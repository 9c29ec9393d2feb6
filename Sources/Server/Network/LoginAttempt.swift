import Foundation
import Logging
import Maildir
import NIOCore
import POP3Core
import Storage

/// One login, from credentials to an opened maildrop or a refusal: the auth cache or the KDF (the stores do their
/// own hops), then the lock and the scan (the maildrop service does its own). Logs and counts the attempt, and
/// answers a refusal for bad credentials only after the throttle's delay (scheduled on the event loop, never by a
/// sleeping thread).
struct LoginAttempt {
    let service: LoginService
    let peer: String
    let logger: Logger
    let eventLoop: any EventLoop

    enum Outcome {
        case opened(OpenedMaildrop, service: MaildropService, policy: MailboxPolicy)
        case refused(AuthenticationFailure)
    }

    /// What the attempt's task found.
    private enum Step: Sendable {
        case invalidCredentials
        case unusableName
        case tooSoon(delaySeconds: Int)
        case opened(OpenedMaildrop, service: MaildropService, cached: Bool, policy: MailboxPolicy, expired: Int)
    }

    /// The maildrop could not be opened (the credentials were good).
    private struct OpenFailure: Error {
        let underlying: any Error
    }

    /// Runs the attempt; `completion` runs on the event loop when the client may hear the answer.
    /// `mechanism` labels the attempt's metrics: USER for USER/PASS, else the SASL mechanism's name.
    func run(user: String, password: [UInt8], mechanism: String = "USER", completion: @escaping (Outcome) -> Void) {
        let service = self.service
        let peer = self.peer
        let attemptStarted = NIODeadline.now()
        // One task, on this loop, from credentials to an open maildrop. The cache is asked first (one read: is the
        // stored hash unchanged?), so a cached login skips the hashing queue and any backlog there.
        eventLoop.runTask { () async throws -> Step in
            let cached = try await service.users.verifyFromCache(name: user, password: password)
            if !cached, try await service.users.verify(name: user, password: password) != .valid {
                return .invalidCredentials
            }
            service.throttle.success(address: peer, user: user)
            guard let name = MailboxName(user) else { return .unusableName }
            // LOGIN-DELAY is decided only now that the credentials are good, and before the maildrop is touched.
            let gate = try await LoginPolicyGate(book: service.policies, user: user)
            if let delay = gate.refusal(now: Date().timeIntervalSince1970) { return .tooSoon(delaySeconds: delay) }
            let maildrops = service.maildropService()
            do {
                let opened = try await maildrops.open(user: name)
                do {
                    let (swept, expired) = try await gate.admitted(
                        opened, by: maildrops, at: Date().timeIntervalSince1970)
                    return .opened(swept, service: maildrops, cached: cached, policy: gate.policy, expired: expired)
                } catch {
                    await opened.lease.release(files: maildrops.store.files)
                    throw error
                }
            } catch {
                throw OpenFailure(underlying: error)
            }
        }
        .assumeIsolated().whenComplete { result in
            switch result {
            case .success(.opened(let opened, let maildrops, let cached, let policy, let expired)):
                service.metrics.add(.loginsOK)
                observe(.ok, mechanism, cached: cached, since: attemptStarted)
                service.recorder.record(AuthEvent(time: Date(), userName: user, peer: peer, result: .ok))
                logger.info(
                    "login",
                    metadata: [
                        "user": "\(user)", "messages": "\(opened.maildrop.messages.count)",
                        "size": "\(opened.maildrop.totalWireSize)", "auth": "\(cached ? "cache" : "kdf")",
                    ])
                if let recovered = opened.recovered,
                    recovered.discardedPending + recovered.finished + recovered.failed > 0
                {
                    logger.notice(
                        "deletion journal recovered",
                        metadata: [
                            "user": "\(user)", "kept_pending": "\(recovered.discardedPending)",
                            "finished": "\(recovered.finished)", "failed": "\(recovered.failed)",
                        ])
                }
                let skipped = opened.maildrop.statistics.skippedEntries
                if skipped > 0 {
                    logger.warning(
                        "maildrop entries skipped: not regular files (symlinks, FIFOs, folders), dot files or bad names",
                        metadata: ["user": "\(user)", "skipped": "\(skipped)"])
                }
                if expired > 0 {
                    logger.notice("retention sweep", metadata: ["user": "\(user)", "expired": "\(expired)"])
                }
                completion(.opened(opened, service: maildrops, policy: policy))
            case .success(.invalidCredentials):
                observe(.failed, mechanism, since: attemptStarted)
                refuse(user, .badCredentials, .failed, password: password, since: attemptStarted, completion)
            case .success(.tooSoon(let delay)):
                // The credentials were good: no delay, no failure counted, no login either (nothing was opened).
                logger.info("login refused: LOGIN-DELAY", metadata: ["user": "\(user)", "login_delay": "\(delay)"])
                completion(.refused(.loginTooSoon(delaySeconds: delay)))
            case .success(.unusableName):
                observe(.error, mechanism, since: attemptStarted)
                refuse(user, .permanent("This user name cannot have a maildrop."), .error, completion)
            case .failure(let failure as OpenFailure):
                if let error = failure.underlying as? MaildropLockError, error == .inUse {
                    observe(.inUse, mechanism, since: attemptStarted)
                    return refuse(user, .maildropInUse, .inUse, completion)
                }
                observe(.error, mechanism, since: attemptStarted)
                logger.error("cannot open maildrop", metadata: ["user": "\(user)", "error": "\(failure.underlying)"])
                refuse(user, .temporary("Unable to open the maildrop."), .error, completion)
            case .failure(let error) where error is HashingQueue.Full:
                observe(.error, mechanism, since: attemptStarted, reason: "busy")
                refuse(user, .temporary("Server busy, try again later."), .error, completion)
            case .failure(let error):
                observe(.error, mechanism, since: attemptStarted)
                logger.error("user store failed", metadata: ["error": "\(error)"])
                refuse(user, .temporary("Authentication is temporarily unavailable."), .error, completion)
            }
        }
    }

    /// Counts the attempt by mechanism and result, a refusal by reason, and how long the check took.
    private func observe(
        _ result: AuthResult, _ mechanism: String, cached: Bool = false, since started: NIODeadline,
        reason: String? = nil
    ) {
        let detail = service.metrics.detail
        detail.logins(mechanism, result.rawValue).increment()
        if result != .ok {
            detail.loginFailures(reason ?? (result == .failed ? "bad_credentials" : result.rawValue)).increment()
        }
        let elapsed = NIODeadline.now() - started
        detail.loginDuration(mechanism, cached ? "hit" : "miss").observe(elapsed.nanoseconds)
    }

    /// Bad credentials are answered at attempt start + the throttle's delay, so how long the check itself took
    /// (unknown user, cheaper stored hash) does not show. `[IN-USE]` and server trouble are answered at once.
    private func refuse(
        _ user: String, _ failure: AuthenticationFailure, _ result: AuthResult, password: [UInt8] = [],
        since attemptStarted: NIODeadline = .now(), _ completion: @escaping (Outcome) -> Void
    ) {
        service.recorder.record(AuthEvent(time: Date(), userName: user, peer: peer, result: result))
        if result == .failed { service.metrics.add(.loginsFailed) }
        let delay =
            failure == .badCredentials
            ? TimeAmount(service.throttle.failure(address: peer, user: user, password: password)) : .zero
        logger.info(
            "login failed",
            metadata: [
                "user": "\(user)", "reason": "\(result.rawValue)", "delay_ms": "\(delay.nanoseconds / 1_000_000)",
            ])
        guard delay > .zero else { return completion(.refused(failure)) }
        eventLoop.assumeIsolated().scheduleTask(deadline: attemptStarted + delay) { completion(.refused(failure)) }
    }
}
