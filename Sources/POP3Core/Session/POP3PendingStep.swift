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
    /// After `AUTH SCRAM-SHA-256` without an initial response: the next line is the client's first message.
    case scramClientFirst
    /// The handler looks up the user's salt and makes the server's nonce.
    case scramLookup(SCRAMExchange)
    /// server-first was sent: the next line is the client's final message.
    case scramClientFinal(SCRAMExchange)
    /// The handler checks the proof and opens the maildrop.
    case scramAuthentication(user: String)
    /// `v=` was sent (the maildrop is open): the client's empty line completes the login.
    case scramServerFinal(user: String, listing: [MaildropEntry], policy: MailboxPolicy)
    case message(number: Int, isTop: Bool)
    case deletion(number: Int)
    case reset
    case update

    /// Waiting for a handler callback, not for a line.
    var awaitsCallback: Bool {
        switch self {
        case .none, .saslResponse, .bearerResponse, .bearerErrorAcknowledgement, .scramClientFirst, .scramClientFinal,
            .scramServerFinal:
            false
        case .authentication, .bearerAuthentication, .scramLookup, .scramAuthentication, .message, .deletion, .reset,
            .update:
            true
        }
    }
}
