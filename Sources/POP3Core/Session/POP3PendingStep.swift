/// What the session waits for between an action and the event that answers it.
enum POP3PendingStep: Equatable, Sendable {
    case none
    /// After `AUTH PLAIN` without an initial response: the next line is the SASL response.
    case saslResponse
    case authentication(user: String)
    case message(number: Int, isTop: Bool)
    case deletion(number: Int)
    case reset
    case update

    /// Waiting for a handler callback, not for a line.
    var awaitsCallback: Bool {
        switch self {
        case .none, .saslResponse: false
        case .authentication, .message, .deletion, .reset, .update: true
        }
    }
}
