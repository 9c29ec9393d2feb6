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
    /// Threads for file and SQLite work.
    public var ioThreads: Int = 4
    /// Password hashes waiting beyond this many get `-ERR [SYS/TEMP]`.
    public var hashingBacklog: Int = 64

    public static let defaultMaildir = "./directories/"
    public static let version = "0.1.0"

    public init() {}
}
