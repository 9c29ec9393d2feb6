import Foundation
public import Logging
import NIOPosix
public import Storage
import Synchronization

/// Everything a connection needs from the process, shared by all connections.
public final class ServerContext: Sendable {
    public let configuration: ServerConfiguration
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
    private let maildirRoot: Mutex<String>

    public init(
        configuration: ServerConfiguration, stores: Stores, maildir: String, metrics: ServerMetrics, logger: Logger
    ) {
        self.configuration = configuration
        self.stores = stores
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
        MaildirStore(root: maildirRoot.withLock { $0 }, index: stores.messageIndex)
    }

    public func setMaildir(_ path: String) {
        maildirRoot.withLock { $0 = Self.normalised(path) }
    }

    /// Writes waiting session rows and login events. Blocking.
    public func flushActivity() throws {
        try recorder.flush()
    }

    /// "./directories/" and "./directories" are the same root.
    static func normalised(_ path: String) -> String {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path.isEmpty ? "." : path
    }
}
