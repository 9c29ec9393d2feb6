/// Why a session closed, for the logout log line and the session record.
public enum SessionEnd: Equatable, Sendable {
    case quit
    case timeout
    case tooManyBadCommands
    /// The connection's failed logins reached `POP3SessionConfiguration.maxFailedLogins`.
    case tooManyLoginFailures
    case shutdown
    /// The cluster-wide maildrop lock was lost; nothing was committed.
    case lockLost
    case protocolViolation
}
