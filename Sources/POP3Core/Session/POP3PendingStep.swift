/// What the session waits for between an action and the event that answers it.
enum POP3PendingStep: Equatable, Sendable {
    case none
    /// After `AUTH PLAIN` without an initial response: the next line is the SASL response.
    case saslResponse
    case authentication(user: String)
    /// After `AUTH OAUTHBEARER` or `AUTH XOAUTH2` without an initial response: the next line carries the token.
    case bearerResponse(BearerMechanism)
    /// The token is being checked; its user is known only once it is valid.
    case bearerAuthentication
    /// The token was refused and the error challenge sent: the client's next line ends the exchange.
    case bearerErrorAcknowledgement
    case message(number: Int, isTop: Bool)
    case deletion(number: Int)
    case reset
    case update

    /// Waiting for a handler callback, not for a line.
    var awaitsCallback: Bool {
        switch self {
        case .none, .saslResponse, .bearerResponse, .bearerErrorAcknowledgement: false
        case .authentication, .bearerAuthentication, .message, .deletion, .reset, .update: true
        }
    }
}
