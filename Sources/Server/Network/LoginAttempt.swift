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
        case opened(OpenedMaildrop, service: MaildropService)
        case refused(AuthenticationFailure)
    }

    /// What the attempt's task found.
    private enum Step: Sendable {
        case invalidCredentials
        case unusableName
        case opened(OpenedMaildrop, service: MaildropService, cached: Bool)
    }

    /// The maildrop could not be opened (the credentials were good).
    private struct OpenFailure: Error {
        let underlying: any Error
    }

    /// Runs the attempt; `completion` runs on the event loop when the client may hear the answer.
    func run(user: String, password: [UInt8], completion: @escaping (Outcome) -> Void) {
        let service = self.service
        let peer = self.peer
        let attemptStarted = NIODeadline.now()
        // One task, on this loop, from credentials to an open maildrop. The cache is asked first (one read: is the
        // stored hash unchanged?), so a cached login skips the hashing queue and any backlog there.
        eventLoop.runTask { () async throws -> Step in
            let cached = try await service.users.verifyFromCache(name: user, password: password)
            // The hashing queue serves each client address its fair share.
            if !cached,
                try await HashingQueue.$client.withValue(
                    peer,
                    operation: {
                        try await service.users.verify(name: user, password: password)
                    }) != .valid
            {
                return .invalidCredentials
            }
            service.throttle.success(address: peer, user: user)
            guard let name = MailboxName(user) else { return .unusableName }
            let maildrops = service.maildropService()
            do {
                return .opened(try await maildrops.open(user: name), service: maildrops, cached: cached)
            } catch {
                throw OpenFailure(underlying: error)
            }
        }
        .assumeIsolated().whenComplete { result in
            switch result {
            case .success(.opened(let opened, let maildrops, let cached)):
                service.metrics.add(.loginsOK)
                service.recorder.record(AuthEvent(time: Date(), userName: user, peer: peer, result: .ok))
                logger.info(
                    "login",
                    metadata: [
                        "user": "\(user)", "messages": "\(opened.maildrop.messages.count)",
                        "size": "\(opened.maildrop.totalWireSize)", "auth": "\(cached ? "cache" : "kdf")",
                        "maildrop": "\(opened.maildrop.statistics.fromListing ? "listing" : "scan")",
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
                completion(.opened(opened, service: maildrops))
            case .success(.invalidCredentials):
                refuse(user, .badCredentials, .failed, password: password, since: attemptStarted, completion)
            case .success(.unusableName):
                refuse(user, .permanent("This user name cannot have a maildrop."), .error, completion)
            case .failure(let failure as OpenFailure):
                if let error = failure.underlying as? MaildropLockError, error == .inUse {
                    return refuse(user, .maildropInUse, .inUse, completion)
                }
                logger.error("cannot open maildrop", metadata: ["user": "\(user)", "error": "\(failure.underlying)"])
                refuse(user, .temporary("Unable to open the maildrop."), .error, completion)
            case .failure(let error) where error is HashingQueue.Full:
                refuse(user, .temporary("Server busy, try again later."), .error, completion)
            case .failure(let error):
                logger.error("user store failed", metadata: ["error": "\(error)"])
                refuse(user, .temporary("Authentication is temporarily unavailable."), .error, completion)
            }
        }
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
