/// Why a session closed, for the logout log line and the session record.
public enum SessionEnd: Equatable, Sendable {
    case quit
    case timeout
    case tooManyBadCommands
    case shutdown
    case protocolViolation
}
