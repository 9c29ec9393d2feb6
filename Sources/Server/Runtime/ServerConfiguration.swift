public import Maildir
import POP3Core

/// Every setting of a running pop3d, parsed once by `main`.
public struct ServerConfiguration: Sendable {
    /// Addresses POP3 listens on (the default listens on every IPv4 and IPv6 address).
    public var listenAddresses: [String] = ["0.0.0.0", "::"]
    public var port: Int = 1100
    /// The maildir root; nil means: the stored setting, else `./directories/`.
    public var maildir: String?
    public var databasePath: String = "./pop3d.sqlite"
    public var monitorAddress: String = "127.0.0.1"
    public var monitorPort: Int = 1081
    /// Connections the monitor port serves at once, in total and per client address (loopback included).
    public var monitorConnectionCaps = ConnectionCaps.monitorDefault
    /// RFC 1939 autologout after login; at least 10 minutes in production, shorter in tests.
    public var idleTimeout: Duration = .seconds(600)
    /// A connection without a complete login is closed after this long.
    public var preLoginTimeout: Duration = .seconds(60)
    /// Delay before answering a failed login.
    public var authFailureDelay: Duration = .seconds(2)
    /// scrypt cost (log2 N) for new password hashes.
    public var passwordCost: Int = 15
    /// How often live metrics are written to SQLite.
    public var sampleInterval: Duration = .seconds(10)
    /// Raw samples are kept this long, then rolled up into hourly points.
    public var rawMetricsRetention: Duration = .seconds(7 * 86_400)
    /// Hourly points are kept this long.
    public var hourlyMetricsRetention: Duration = .seconds(400 * 86_400)
    /// Login attempts and finished sessions are kept row by row this long, then as daily totals.
    public var historyRetention: Duration = .seconds(90 * 86_400)
    /// How often rows past `historyRetention` are folded (also once at start-up).
    public var historyPruneInterval: Duration = .seconds(3_600)
    /// Threads for file and SQLite work.
    public var ioThreads: Int = 4
    /// A password check that would wait longer than this for a hashing thread gets `-ERR [SYS/TEMP]`.
    public var hashingMaximumWait: Duration = .seconds(30)

    /// PEM certificate chain and key; with both, POP3 offers STLS and the implicit-TLS port may be used.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// Implicit TLS (RFC 8314, conventionally 995); nil: off.
    public var tlsPort: Int?
    /// Allow USER/PASS and AUTH PLAIN without TLS from any address even when TLS is configured.
    public var allowPlaintextAuth = false
    /// Addresses treated as local: plain-text logins are always allowed from them.
    public var localNetworks: [AddressRange] = AddressRange.loopback
    /// Addresses exempt from the per-address connection cap (loopback always is).
    public var trustedNetworks: [AddressRange] = []
    /// Load balancers whose connections start with a PROXY protocol header naming the client; empty: the protocol
    /// is off.
    public var proxyTrustedNetworks: [AddressRange] = []
    /// A connection from `proxyTrustedNetworks` without a header is closed, unless this is set: then it is served,
    /// after the header timeout, as a direct connection from the socket's address.
    public var proxyHeaderOptional = false
    /// How long a connection from `proxyTrustedNetworks` may take to send its header.
    public var proxyHeaderTimeout: Duration = .seconds(5)
    public var maximumConnections = 20_000
    public var maximumConnectionsPerAddress = 1_000
    /// The failed-login delay doubles per address from `authFailureDelay` up to this.
    public var authFailureDelayMaximum: Duration = .seconds(15)
    /// Failed logins on one connection that close it (after the last one is answered).
    public var maximumFailedLogins = 3
    /// How client addresses are grouped for the login throttle and the per-address connection cap (IPv6 by /64).
    public var clientGrouping = ClientGrouping.standard
    /// How long a successful password verification is remembered; zero turns the cache off.
    public var authCacheLifetime: Duration = .seconds(300)
    /// Where UIDLs come from: pop3d's own, or a maildrop's `dovecot-uidlist` after a move from Dovecot.
    public var uidlSource: UIDLSource = .pop3d
    /// LOGIN-DELAY and EXPIRE for users without values of their own.
    public var policyDefaults = PolicyDefaults()
    /// Keep-on-delete: DELE and EXPIRE mark messages with this maildir keyword instead of unlinking them.
    public var keepDeletedKeyword: String?
    /// Where Prometheus scrapes `/metrics`; nil: off.
    public var metricsListen: MetricsListenAddress?
    /// Connections the metrics port serves at once, in total and per client address (loopback included).
    public var metricsConnectionCaps = ConnectionCaps.metricsDefault
    /// A metrics request must be complete this long after its first byte.
    public var metricsRequestTimeout: Duration = .seconds(10)

    public static let defaultMaildir = "./directories/"
    public static let version = "0.1.0"

    public init() {}
}
