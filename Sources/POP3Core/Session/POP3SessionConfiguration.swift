/// What a session may offer; set by the server per connection.
public struct POP3SessionConfiguration: Sendable {
    /// Sent after `IMPLEMENTATION` in CAPA.
    public var implementation: String
    /// Sent after `+OK` when the connection opens.
    public var greeting: String
    /// STLS may be offered.
    public var tlsAvailable: Bool
    /// The connection is already encrypted (implicit TLS, or after STLS).
    public var tlsActive: Bool
    /// When false and TLS is not active, USER/PASS/AUTH PLAIN are refused and CAPA omits USER and SASL.
    public var plaintextAuthAllowed: Bool
    /// Bad commands in a row before login that close the session.
    public var maxBadCommandsBeforeLogin: Int
    /// Bad commands in a row after login that close the session.
    public var maxBadCommandsAfterLogin: Int
    /// Logins refused for bad credentials that close the session (the last one is answered first), so one
    /// connection cannot go on guessing; the throttle's delay still applies to each.
    public var maxFailedLogins: Int
    public var timeouts: POP3Timeouts
    public var inputLimit: POP3InputLimit
    public var readAheadLimit: POP3ReadAheadLimit
    /// LOGIN-DELAY and EXPIRE as CAPA shows them before login.
    public var policyAdvertisement: PolicyAdvertisement = .none
    /// OAuth bearer tokens can be checked: OAUTHBEARER and XOAUTH2 are offered (where plain text is permitted).
    public var bearerTokensAccepted = false
    /// SCRAM-SHA-256 verifiers are kept: the mechanism is offered (where plain text is permitted).
    public var scramAccepted = false

    public init(
        implementation: String = "pop3d",
        greeting: String = "pop3d ready.",
        tlsAvailable: Bool = false,
        tlsActive: Bool = false,
        plaintextAuthAllowed: Bool = true,
        maxBadCommandsBeforeLogin: Int = 10,
        maxBadCommandsAfterLogin: Int = 20,
        maxFailedLogins: Int = 3,
        timeouts: POP3Timeouts = POP3Timeouts(),
        inputLimit: POP3InputLimit = POP3InputLimit(),
        readAheadLimit: POP3ReadAheadLimit = POP3ReadAheadLimit()
    ) {
        self.implementation = implementation
        self.greeting = greeting
        self.tlsAvailable = tlsAvailable
        self.tlsActive = tlsActive
        self.plaintextAuthAllowed = plaintextAuthAllowed
        self.maxBadCommandsBeforeLogin = maxBadCommandsBeforeLogin
        self.maxBadCommandsAfterLogin = maxBadCommandsAfterLogin
        self.maxFailedLogins = maxFailedLogins
        self.timeouts = timeouts
        self.inputLimit = inputLimit
        self.readAheadLimit = readAheadLimit
    }

    /// Plain-text credentials may be accepted on this connection now.
    var plaintextAuthPermitted: Bool { plaintextAuthAllowed || tlsActive }

    /// STLS may be given now.
    var stlsOffered: Bool { tlsAvailable && !tlsActive }
}
