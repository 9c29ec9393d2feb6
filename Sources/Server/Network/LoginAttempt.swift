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
        /// `serverSignature`: SCRAM's `v=`, for a SCRAM login.
        case opened(
            OpenedMaildrop, service: MaildropService, user: String, policy: MailboxPolicy, serverSignature: [UInt8]?)
        case refused(AuthenticationFailure)
    }

    /// What the client presented.
    enum Credentials: Sendable {
        case password(user: String, password: [UInt8])
        /// OAUTHBEARER or XOAUTH2: the token names the user; `user` is the one the client named, if any.
        case bearer(user: String?, token: [UInt8])
        /// SCRAM-SHA-256's client proof over the exchange's AuthMessage.
        case scram(user: String, authMessage: [UInt8], proof: [UInt8])

        /// The user for logs and the throttle before the token is checked.
        var claimedUser: String {
            switch self {
            case .password(let user, _): user
            case .bearer(let user, _): user ?? "-"
            case .scram(let user, _, _): user
            }
        }

        /// What the throttle compares to tell a retry of the same secret from a new guess.
        var secret: [UInt8] {
            switch self {
            case .password(_, let password): password
            case .bearer(_, let token): token
            case .scram(_, _, let proof): proof
            }
        }
    }

    /// What the attempt's task found.
    private enum Step: Sendable {
        case invalidCredentials(user: String, reason: String?)
        case unusableName(user: String)
        case tooSoon(user: String, delaySeconds: Int)
        case opened(Opened)
    }

    /// A login that opened its maildrop.
    private struct Opened: Sendable {
        let maildrop: OpenedMaildrop
        let service: MaildropService
        let user: String
        /// How the credentials were checked: `cache`, `kdf`, `oauth` or `scram`.
        let auth: String
        let policy: MailboxPolicy
        /// Messages the retention sweep deleted at this login.
        let expired: Int
        /// SCRAM's `v=`, for a SCRAM login.
        let serverSignature: [UInt8]?
    }

    /// The maildrop could not be opened (the credentials were good).
    private struct OpenFailure: Error {
        let user: String
        let underlying: any Error
    }

    /// Runs the attempt; `completion` runs on the event loop when the client may hear the answer.
    /// `mechanism` labels the attempt's metrics: USER for USER/PASS, else the SASL mechanism's name.
    func run(_ credentials: Credentials, mechanism: String = "USER", completion: @escaping (Outcome) -> Void) {
        let service = self.service
        let peer = self.peer
        let attemptStarted = NIODeadline.now()
        // One task, on this loop, from credentials to an open maildrop. The cache is asked first (one read: is the
        // stored hash unchanged?), so a cached login skips the hashing queue and any backlog there.
        eventLoop.runTask { () async throws -> Step in
            let user: String
            let auth: String
            var serverSignature: [UInt8]?
            switch credentials {
            case .password(let name, let password):
                let cached = try await service.users.verifyFromCache(name: name, password: password)
                // The hashing queue serves each client address its fair share.
                if !cached,
                    try await HashingQueue.$client.withValue(
                        peer,
                        operation: {
                            try await service.users.verify(name: name, password: password)
                        }) != .valid
                {
                    return .invalidCredentials(user: name, reason: nil)
                }
                (user, auth) = (name, cached ? "cache" : "kdf")
                if let scram = service.scram {
                    // A user without a SCRAM verifier for this password gets one now, off the login's path (the
                    // store skips it when it exists; PBKDF2 runs on the task's thread, not an event loop).
                    Task {
                        try? await scram.store.keepSCRAMVerifier(
                            user: name, password: password, iterations: scram.iterations)
                    }
                }
            case .scram(let name, let authMessage, let proof):
                guard let scram = service.scram,
                    let signature = try await scram.check(user: name, authMessage: authMessage, proof: proof)
                else { return .invalidCredentials(user: name, reason: "scram_bad_proof") }
                (user, auth, serverSignature) = (name, "scram", signature)
            case .bearer(let claimed, let token):
                switch try await Self.bearerUser(token: token, claimed: claimed, service: service) {
                case .success(let name): (user, auth) = (name, "oauth")
                case .failure(let refusal):
                    return .invalidCredentials(user: claimed ?? "-", reason: "oauth_\(refusal.rawValue)")
                }
            }
            service.throttle.success(address: peer, user: user)
            guard let name = MailboxName(user) else { return .unusableName(user: user) }
            // LOGIN-DELAY is decided only now that the credentials are good, and before the maildrop is touched.
            let gate = try await LoginPolicyGate(book: service.policies, user: user)
            if let delay = gate.refusal(now: Date().timeIntervalSince1970) {
                return .tooSoon(user: user, delaySeconds: delay)
            }
            let maildrops = service.maildropService()
            do {
                let opened = try await maildrops.open(user: name)
                do {
                    let (swept, expired) = try await gate.admitted(
                        opened, by: maildrops, at: Date().timeIntervalSince1970)
                    return .opened(
                        Opened(
                            maildrop: swept, service: maildrops, user: user, auth: auth, policy: gate.policy,
                            expired: expired, serverSignature: serverSignature))
                } catch {
                    await opened.lease.release(files: maildrops.store.files)
                    throw error
                }
            } catch {
                throw OpenFailure(user: user, underlying: error)
            }
        }
        .assumeIsolated().whenComplete { result in
            let user = credentials.claimedUser
            switch result {
            case .success(.opened(let login)):
                let user = login.user
                let opened = login.maildrop
                service.metrics.add(.loginsOK)
                observe(.ok, mechanism, cached: login.auth == "cache", since: attemptStarted)
                service.recorder.record(AuthEvent(time: Date(), userName: user, peer: peer, result: .ok))
                logger.info(
                    "login",
                    metadata: [
                        "user": "\(user)", "messages": "\(opened.maildrop.messages.count)",
                        "size": "\(opened.maildrop.totalWireSize)", "auth": "\(login.auth)",
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
                if login.expired > 0 {
                    logger.notice("retention sweep", metadata: ["user": "\(user)", "expired": "\(login.expired)"])
                }
                completion(
                    .opened(
                        opened, service: login.service, user: user, policy: login.policy,
                        serverSignature: login.serverSignature))
            case .success(.invalidCredentials(let user, let reason)):
                observe(.failed, mechanism, since: attemptStarted, reason: reason)
                refuse(
                    user, .badCredentials, .failed, reason: reason, password: credentials.secret,
                    since: attemptStarted, completion)
            case .success(.tooSoon(let user, let delay)):
                // The credentials were good: no delay, no failure counted, no login either (nothing was opened).
                logger.info("login refused: LOGIN-DELAY", metadata: ["user": "\(user)", "login_delay": "\(delay)"])
                completion(.refused(.loginTooSoon(delaySeconds: delay)))
            case .success(.unusableName(let user)):
                observe(.error, mechanism, since: attemptStarted)
                refuse(user, .permanent("This user name cannot have a maildrop."), .error, completion)
            case .failure(let failure as OpenFailure):
                if let error = failure.underlying as? MaildropLockError, error == .inUse {
                    observe(.inUse, mechanism, since: attemptStarted)
                    return refuse(failure.user, .maildropInUse, .inUse, completion)
                }
                observe(.error, mechanism, since: attemptStarted)
                logger.error(
                    "cannot open maildrop", metadata: ["user": "\(failure.user)", "error": "\(failure.underlying)"])
                refuse(failure.user, .temporary("Unable to open the maildrop."), .error, completion)
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
        _ user: String, _ failure: AuthenticationFailure, _ result: AuthResult, reason: String? = nil,
        password: [UInt8] = [],
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
                "user": "\(user)", "reason": "\(reason ?? result.rawValue)",
                "delay_ms": "\(delay.nanoseconds / 1_000_000)",
            ])
        guard delay > .zero else { return completion(.refused(failure)) }
        eventLoop.assumeIsolated().scheduleTask(deadline: attemptStarted + delay) { completion(.refused(failure)) }
    }

    /// The user a bearer token names: a valid token, a user that exists, the one the client named (if it did).
    private static func bearerUser(token: [UInt8], claimed: String?, service: LoginService) async throws
        -> Result<String, BearerTokenRefusal>
    {
        guard let validator = service.bearerTokens else { return .failure(.unknownKey) }
        let user: String
        switch await validator.user(for: token) {
        case .success(let name): user = name
        case .failure(let refusal): return .failure(refusal)
        }
        if let claimed, claimed != user { return .failure(.userMismatch) }
        guard try await service.users.passwordStamp(name: user) != nil else { return .failure(.unknownUser) }
        return .success(user)
    }
}
