public import Maildir
public import Storage

/// What a login needs, shared by every connection: the users (behind the auth cache), the failure throttle, where
/// maildrops are opened, and where the attempt is counted and recorded.
public struct LoginService: Sendable {
    let users: CachingUserStore
    let throttle: LoginThrottle
    let maildirRoot: MaildirRoot
    let locks: any MaildropLock
    let journal: any DeletionJournal
    let metrics: ServerMetrics
    let recorder: ActivityRecorder
    /// LOGIN-DELAY and EXPIRE; nil: neither (tests that need no policy).
    let policies: MailboxPolicyBook?
    /// Checks OAUTHBEARER and XOAUTH2 tokens; nil: OAuth is not configured and neither is offered.
    let bearerTokens: BearerTokenValidator?
    /// SCRAM-SHA-256; nil: not offered, and no verifiers are written.
    let scram: SCRAMService?

    public init(
        users: CachingUserStore, throttle: LoginThrottle, maildirRoot: MaildirRoot, locks: any MaildropLock,
        journal: any DeletionJournal, metrics: ServerMetrics, recorder: ActivityRecorder,
        policies: MailboxPolicyBook? = nil, bearerTokens: BearerTokenValidator? = nil, scram: SCRAMService? = nil
    ) {
        self.policies = policies
        self.scram = scram
        self.bearerTokens = bearerTokens
        self.users = users
        self.throttle = throttle
        self.maildirRoot = maildirRoot
        self.locks = locks
        self.journal = journal
        self.metrics = metrics
        self.recorder = recorder
    }

    /// The service that reaches `user`'s maildrop under the current root.
    func maildropService() -> MaildropService {
        MaildropService(store: maildirRoot.store, lock: locks, journal: journal)
    }
}
