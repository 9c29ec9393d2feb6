import Foundation
import Logging
import Maildir
import MonitorProtocol
import NIOCore
import Storage

@testable import Server

/// The server's parts over a real SQLite database in a fresh folder, wired as pop3d wires them (each given what
/// it uses), and helpers to build and answer monitor frames.
final class MonitorTestServer {
    static let adminToken = SeedDefaults.adminToken
    let folder: URL
    let storage: SQLiteStorage
    let metrics = ServerMetrics()
    let liveSessions = LiveSessions()
    let files = ThreadPoolService(threads: 2)
    let maildirRoot: MaildirRoot
    /// The stores as the monitor sees them: `users` behind the auth cache.
    let stores: Stores
    let login: LoginService
    let connections: POP3ConnectionFactory
    let processor: MonitorRequestProcessor
    let logger = Logger(label: "monitor-test")

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("monitor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // The quick-start credentials: these tests use the seed admin token and user foo.
        storage = try SQLiteStorage(
            path: folder.appendingPathComponent("db.sqlite").path, passwordCost: 10, firstRun: .quickStart,
            node: "test-node")
        let configuration = ServerConfiguration()
        maildirRoot = MaildirRoot(
            path: folder.appendingPathComponent("mail").path, index: storage.stores.messageIndex,
            uidlSource: configuration.uidlSource, files: files.pool)
        let users = CachingUserStore(wrapping: storage.stores.users, lifetime: configuration.authCacheLifetime)
        var stores = storage.stores
        stores.users = users
        self.stores = stores
        let recorder = ActivityRecorder(
            sessionLog: stores.sessions, authEvents: stores.authEvents, interval: .seconds(3_600), logger: logger)
        login = LoginService(
            users: users,
            throttle: LoginThrottle(
                base: configuration.authFailureDelay, maximum: configuration.authFailureDelayMaximum),
            maildirRoot: maildirRoot, locks: MaildropLocks(), journal: stores.journal, metrics: metrics,
            recorder: recorder)
        connections = POP3ConnectionFactory(
            login: login, files: files.pool, liveSessions: liveSessions, tls: nil,
            policy: POP3ConnectionPolicy(configuration: configuration), logger: logger)
        processor = MonitorRequestProcessor(
            tokens: stores.tokens,
            performer: MonitorOperationPerformer(
                stores: stores, maildirRoot: maildirRoot, liveSessions: liveSessions, metrics: metrics,
                logger: logger),
            logger: logger)
    }

    deinit {
        try? files.pool.syncShutdownGracefully()
        storage.close()
        try? FileManager.default.removeItem(at: folder)
    }

    /// A listener for this server's monitor on a free loopback port.
    func monitorListener(
        port: Int = 0, timeouts: MonitorTimeouts = .standard, caps: ConnectionCaps = .monitorDefault,
        onBound: @escaping @Sendable (SocketAddress) -> Void = { _ in }
    ) -> MonitorListener {
        MonitorListener(
            address: "127.0.0.1", port: port, processor: processor, metrics: metrics, logger: logger,
            timeouts: timeouts, caps: caps, onBound: onBound)
    }

    /// Encodes `operation` as a client would, frames it as the server does, and answers it.
    func answer(
        _ operation: MonitorOperation, version: MonitorVersion = .v2, token: String = adminToken, requestID: UInt32 = 7
    ) async throws -> MonitorOutcome {
        let request = MonitorRequest(
            version: version, requestID: requestID, token: try Self.token(token), operation: operation)
        return try await answer(bytes: try request.encoded())
    }

    /// Frames raw request bytes (which must hold exactly one frame) and answers the frame.
    func answer(bytes: [UInt8]) async throws -> MonitorOutcome {
        var decoder = MonitorRequestDecoder()
        decoder.feed(bytes)
        guard case .frame(let frame) = decoder.next() else { throw TestFailure("not one whole frame") }
        return await processor.answer(frame)
    }

    static func token(_ text: String) throws -> MonitorToken {
        guard let token = MonitorToken(text) else { throw TestFailure("bad test token \(text)") }
        return token
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
