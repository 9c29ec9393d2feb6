import Foundation
import Glibc
public import Logging
public import Maildir
import NIOPosix
import POP3Core
public import Storage
import Synchronization

/// Everything a connection needs from the process, shared by all connections.
public final class ServerContext: Sendable {
    public let configuration: ServerConfiguration
    /// The stores, with `users` wrapped by the auth cache.
    public let stores: Stores
    public let metrics: ServerMetrics
    public let liveSessions = LiveSessions()
    public let logger: Logger
    let locks = MaildropLocks()
    let recorder: ActivityRecorder
    /// File and SQLite work.
    let ioPool: NIOThreadPool
    /// Password hashing only, bounded so a login flood cannot starve file work.
    let hashing: HashingQueue
    let throttle: LoginThrottle
    let limiter: ConnectionLimiter
    /// The user store with its auth cache in front (also `stores.users`, so monitor changes invalidate it).
    let cachingUsers: CachingUserStore
    /// Loaded certificate and key, when TLS is configured.
    public let tls: TLSCredentials?
    private let maildirRoot: Mutex<String>

    public init(
        configuration: ServerConfiguration, stores: Stores, maildir: String, metrics: ServerMetrics, logger: Logger,
        tls: TLSCredentials? = nil
    ) {
        self.configuration = configuration
        let cachingUsers = CachingUserStore(wrapping: stores.users, lifetime: configuration.authCacheLifetime)
        var stores = stores
        stores.users = cachingUsers
        self.stores = stores
        self.cachingUsers = cachingUsers
        self.tls = tls
        self.throttle = LoginThrottle(
            base: configuration.authFailureDelay, maximum: configuration.authFailureDelayMaximum)
        self.limiter = ConnectionLimiter(
            maximumTotal: min(configuration.maximumConnections, Self.descriptorLimit() - 64),
            maximumPerAddress: configuration.maximumConnectionsPerAddress,
            exempt: AddressRange.loopback + configuration.trustedNetworks)
        self.metrics = metrics
        self.logger = logger
        self.maildirRoot = Mutex(Self.normalised(maildir))
        self.recorder = ActivityRecorder(sessionLog: stores.sessions, authEvents: stores.authEvents)
        self.ioPool = NIOThreadPool(numberOfThreads: max(1, configuration.ioThreads))
        self.hashing = HashingQueue(
            threads: max(1, ProcessInfo.processInfo.activeProcessorCount), backlog: configuration.hashingBacklog)
    }

    public func start() {
        ioPool.start()
        hashing.start()
    }

    public func shutdown() async throws {
        try await ioPool.shutdownGracefully()
        try await hashing.shutdown()
    }

    /// The maildir that new sessions open (the monitor may change it while the server runs).
    public var maildir: MaildirStore {
        MaildirStore(
            root: maildirRoot.withLock { $0 }, index: stores.messageIndex, uidlSource: configuration.uidlSource)
    }

    public func setMaildir(_ path: String) {
        maildirRoot.withLock { $0 = Self.normalised(path) }
    }

    /// Writes waiting session rows and login events. Blocking.
    public func flushActivity() throws {
        try recorder.flush()
    }

    /// Whether USER/PASS and AUTH PLAIN may be used without TLS by a client at `peer`.
    func plaintextAuthAllowed(peer: String) -> Bool {
        tls == nil || configuration.allowPlaintextAuth || configuration.localNetworks.contains(address: peer)
    }

    /// The process's open-file limit: more connections than this cannot be served anyway.
    static func descriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Int.max / 2 }
        return Int(clamping: min(limit.rlim_cur, UInt(Int.max / 2)))
    }

    /// "./directories/" and "./directories" are the same root.
    static func normalised(_ path: String) -> String {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path.isEmpty ? "." : path
    }
}
