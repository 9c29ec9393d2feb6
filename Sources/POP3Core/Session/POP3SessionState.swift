/// The RFC 1939 state of a session, plus `closed` once it has ended.
public enum POP3SessionState: Equatable, Sendable {
    case authorization
    case transaction
    case update
    case closed
}
