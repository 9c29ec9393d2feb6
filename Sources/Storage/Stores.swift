/// Every store the server uses, as protocols, so the server does not know which backend serves them.
public struct Stores: Sendable {
    public var users: any UserStore
    public var tokens: any TokenStore
    public var settings: any SettingsStore
    public var journal: any DeletionJournal
    public var authEvents: any AuthEventLog
    public var sessions: any SessionLog
    public var metrics: any MetricsStore
    public var messageIndex: any MessageIndexStore
    public var historyRetention: any HistoryRetention
    /// LOGIN-DELAY and EXPIRE: per-user values, last logins, first retrievals.
    public var policies: any MailboxPolicyStore
    public var maintenance: any DatabaseMaintenance
    /// The users' app passwords (kept by the user store, whose `verify` accepts them).
    public var appPasswords: any AppPasswordStore
    /// SCRAM-SHA-256 salts and verifiers (kept by the user store too).
    public var scram: any SCRAMStore

    public init(
        users: any UserStore, tokens: any TokenStore, settings: any SettingsStore, journal: any DeletionJournal,
        authEvents: any AuthEventLog, sessions: any SessionLog, metrics: any MetricsStore,
        messageIndex: any MessageIndexStore, historyRetention: any HistoryRetention, policies: any MailboxPolicyStore,
        maintenance: any DatabaseMaintenance = NoMaintenance(), appPasswords: any AppPasswordStore,
        scram: any SCRAMStore
    ) {
        self.appPasswords = appPasswords
        self.scram = scram
        self.users = users
        self.tokens = tokens
        self.settings = settings
        self.journal = journal
        self.authEvents = authEvents
        self.sessions = sessions
        self.metrics = metrics
        self.messageIndex = messageIndex
        self.historyRetention = historyRetention
        self.policies = policies
        self.maintenance = maintenance
    }
}
