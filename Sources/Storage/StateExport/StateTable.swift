/// The tables of pop3d's state that move from one backend to another (`pop3d migrate`), by the name they have in
/// both schemas, in the order they are copied. `message_index` is not among them: it is a cache of the maildir that
/// the first login of each user fills again.
public enum StateTable: String, Sendable, CaseIterable {
    case users
    /// After `users`: each row names its user, whose id differs between the databases.
    case appPasswords = "app_passwords"
    /// After `users` and `app_passwords`: rows name their user (and app password by label).
    case scramSalts = "scram_salts"
    case scramVerifiers = "scram_verifiers"
    case scramSecret = "scram_secret"
    case monitorTokens = "monitor_tokens"
    case settings
    /// Its `done` rows only: a copy is refused while rows are `pending` or `committing`.
    case deletionJournal = "deletion_journal"
    case authEvents = "auth_events"
    case sessions
    case authEventsDailyByUser = "auth_events_daily_by_user"
    case authEventsDailyByPeer = "auth_events_daily_by_peer"
    case sessionsDaily = "sessions_daily"
    case metricSamples = "metric_samples"
    /// Users' own LOGIN-DELAY and EXPIRE and their last logins, by user name (after `users`).
    case userPolicies = "user_policies"
    /// EXPIRE's first retrievals.
    case messageRetrievals = "message_retrievals"

    /// The table's name in SQL.
    public var name: String { rawValue }
}
