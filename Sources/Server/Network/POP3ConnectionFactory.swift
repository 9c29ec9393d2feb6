public import Logging
import Maildir
public import NIOPosix
import POP3Core

/// What every POP3 connection is given, and how its handlers are made: one value built at start-up and handed to
/// each listener.
public struct POP3ConnectionFactory: Sendable {
    let login: LoginService
    /// Blocking file work: message reads and lock releases.
    let files: NIOThreadPool
    let book: SessionBook
    let tls: TLSCredentials?
    let policy: POP3ConnectionPolicy
    let logger: Logger

    public init(
        login: LoginService, files: NIOThreadPool, liveSessions: LiveSessions, tls: TLSCredentials?,
        policy: POP3ConnectionPolicy, logger: Logger
    ) {
        self.login = login
        self.files = files
        self.book = SessionBook(liveSessions: liveSessions, metrics: login.metrics, recorder: login.recorder)
        self.tls = tls
        self.policy = policy
        self.logger = logger
    }

    /// The line decoder and session handler of a connection from `peer` (the client); `proxy` is the balancer's
    /// address when a PROXY header named the client, and goes into every log line of the session.
    func makeHandlers(peer: String, proxy: String? = nil, implicitTLS: Bool) -> (POP3LineDecoder, POP3ConnectionHandler)
    {
        let decoder = POP3LineDecoder(
            lineLimit: login.bearerTokens == nil
                ? POP3LineDecoder.maximumLineLength : POP3Limits.maxBearerResponseOctets)
        let sessionID = SessionID.make()
        var logger = self.logger
        logger[metadataKey: "session"] = "\(sessionID)"
        logger[metadataKey: "peer"] = "\(peer)"
        if let proxy { logger[metadataKey: "proxy"] = "\(proxy)" }
        var configuration = POP3SessionConfiguration(
            implementation: "pop3d \(ServerConfiguration.version)", greeting: "pop3d ready.",
            tlsAvailable: tls != nil, tlsActive: implicitTLS,
            plaintextAuthAllowed: policy.plaintextAuthAllowed(peer: peer, tlsOffered: tls != nil),
            maxFailedLogins: policy.maximumFailedLogins,
            timeouts: POP3Timeouts(preLogin: policy.preLoginTimeout, idle: policy.idleTimeout))
        configuration.policyAdvertisement = login.policies?.advertisement ?? .none
        configuration.bearerTokensAccepted = login.bearerTokens != nil
        configuration.scramAccepted = login.scram != nil
        let handler = POP3ConnectionHandler(
            session: POP3Session(configuration: configuration), sessionID: sessionID, peer: peer, factory: self,
            decoder: decoder, logger: logger)
        return (decoder, handler)
    }
}

/// The per-connection rules a listener applies: timeouts, where plain-text passwords are allowed, how many failed
/// logins end a connection, and which peers are balancers speaking the PROXY protocol.
public struct POP3ConnectionPolicy: Sendable {
    public var preLoginTimeout: Duration
    public var idleTimeout: Duration
    public var allowPlaintextAuth: Bool
    public var localNetworks: [AddressRange]
    public var maximumFailedLogins: Int
    public var proxy: ProxyProtocolPolicy

    public init(configuration: ServerConfiguration) {
        maximumFailedLogins = configuration.maximumFailedLogins
        preLoginTimeout = configuration.preLoginTimeout
        idleTimeout = configuration.idleTimeout
        allowPlaintextAuth = configuration.allowPlaintextAuth
        localNetworks = configuration.localNetworks
        proxy = ProxyProtocolPolicy(
            trustedNetworks: configuration.proxyTrustedNetworks, headerRequired: !configuration.proxyHeaderOptional,
            headerTimeout: configuration.proxyHeaderTimeout)
    }

    /// Whether USER/PASS and AUTH PLAIN may be used without TLS by a client at `peer`; without TLS offered at all,
    /// plain text is the only kind.
    func plaintextAuthAllowed(peer: String, tlsOffered: Bool) -> Bool {
        !tlsOffered || allowPlaintextAuth || localNetworks.contains(address: peer)
    }
}
