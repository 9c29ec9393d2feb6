import Foundation
import Glibc
public import Logging
import Maildir
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
public import Storage

/// The PostgreSQL backend: checks the server can be reached and logged in to, applies migrations, takes this
/// node's lock, then hands out stores over a connection pool. Rows this node writes about itself carry `node`.
public final class PostgresStorage: StorageBackend {
    /// The advisory lock key (two-int form, first half) under which a node holds its name while it runs.
    static let nodeLockKey: Int32 = 0x7033_6E64  // "p3nd"

    public let stores: Stores
    public let migrationReport: MigrationReport
    public let location: PostgresLocation
    public let node: String
    /// One session per maildrop across every node, on the lock connection.
    public let maildropLocks: ClusterMaildropLocks
    let client: PostgresClient
    private let runner: Task<Void, Never>
    /// The connection that holds this node's name lock and its sessions' maildrop locks while the storage is open.
    private let lockConnection: PostgresLockConnection
    private let ownHashing: NIOThreadPool?

    /// What a PostgreSQL storage needs besides the location.
    public struct Options: Sendable {
        /// The password, from a file or PGPASSWORD; nil when the server asks for none.
        public var password: String?
        /// This node's name, written beside its rows; two running nodes may not share one.
        public var node: String
        public var passwordCost: Int = PasswordHasher.defaultCost
        /// Connections the pool opens at most.
        public var maximumConnections: Int = 8
        public var connectTimeout: Duration = .seconds(10)
        /// How long one request (a statement or a transaction) may take before it fails as transient.
        public var requestTimeout: Duration = .seconds(10)
        /// The wire-size cache of maildir messages; nil keeps it in the database (table message_index).
        public var messageIndex: (any MessageIndexStore)?

        public init(password: String?, node: String) {
            self.password = password
            self.node = node
        }
    }

    private init(
        stores: Stores, migrationReport: MigrationReport, location: PostgresLocation, node: String,
        client: PostgresClient, runner: Task<Void, Never>, lockConnection: PostgresLockConnection,
        ownHashing: NIOThreadPool?, logger: Logger
    ) {
        self.stores = stores
        self.migrationReport = migrationReport
        self.location = location
        self.node = node
        self.client = client
        self.runner = runner
        self.lockConnection = lockConnection
        self.maildropLocks = ClusterMaildropLocks(connection: lockConnection)
        self.ownHashing = ownHashing
    }

    /// Opens the database at `location`, creating pop3d's schema (and `firstRun`'s credentials) when it has none.
    /// Errors name the server and the step that failed: connect, authenticate or migrate.
    public static func open(
        _ location: PostgresLocation, options: Options, hashing: (any BlockingExecutor)? = nil,
        firstRun: FirstRunCredentials = .none, logger: Logger
    ) async throws -> PostgresStorage {
        let tls = try tlsConfiguration(location)
        let direct = try await connect(location, options: options, tls: tls, id: 1, logger: logger)
        let migrationReport: MigrationReport
        do {
            migrationReport = try await PostgresMigrator.embedded.migrate(direct, logger: logger) { connection in
                try await seed(connection, firstRun: firstRun, cost: options.passwordCost, logger: logger)
            }
            try await lockNode(options.node, on: direct, location: location, logger: logger)
        } catch {
            try? await direct.close()
            // A StorageError thrown inside the migration's transaction (databaseTooNew, migrationFailed) arrives
            // wrapped in postgres-nio's transaction error; storageError passes it through unchanged.
            throw PostgresFailure.storageError(
                (error as? PostgresTransactionError)?.closureError ?? error, step: .migrate, location: location)
        }

        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: options.password,
            database: location.database, tls: tls.client)
        if location.isSocket {
            configuration = PostgresClient.Configuration(
                unixSocketPath: socketPath(location), username: location.user, password: options.password,
                database: location.database)
        }
        configuration.options.maximumConnections = options.maximumConnections
        configuration.options.connectTimeout = options.connectTimeout
        configuration.options.additionalStartupParameters = [("application_name", "pop3d \(options.node)")]
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }

        var ownHashing: NIOThreadPool?
        if hashing == nil {
            let pool = NIOThreadPool(numberOfThreads: max(1, System.coreCount))
            pool.start()
            ownHashing = pool
        }
        let pool = PostgresPool(client: client, location: location, logger: logger, timeout: options.requestTimeout)
        let activity = PostgresActivityLog(pool: pool, node: options.node)
        let users = PostgresUserStore(
            pool: pool,
            passwords: PasswordVerifier(
                hasher: PasswordHasher(cost: options.passwordCost), hashing: hashing ?? ownHashing!))
        let stores = Stores(
            users: users,
            tokens: PostgresTokenStore(pool: pool),
            settings: PostgresSettingsStore(pool: pool),
            journal: PostgresDeletionJournal(pool: pool, node: options.node),
            authEvents: activity, sessions: activity,
            metrics: PostgresMetricsStore(pool: pool, node: options.node),
            messageIndex: options.messageIndex ?? PostgresMessageIndex(pool: pool),
            historyRetention: PostgresHistoryRetention(pool: pool),
            policies: PostgresMailboxPolicyStore(pool: pool),
            maintenance: PostgresMaintenance(pool: pool), appPasswords: users, scram: users)
        let lockConnection = PostgresLockConnection(
            first: direct,
            connect: {
                let connection = try await connect(location, options: options, tls: tls, id: 2, logger: logger)
                do {
                    try await lockNode(options.node, on: connection, location: location, logger: logger)
                } catch {
                    try? await connection.close()
                    throw error
                }
                return connection
            }, timeout: options.requestTimeout, server: "\(location)", logger: logger)
        return PostgresStorage(
            stores: stores, migrationReport: migrationReport, location: location, node: options.node,
            client: client, runner: runner, lockConnection: lockConnection, ownHashing: ownHashing, logger: logger)
    }

    public func shutdown() async {
        runner.cancel()
        await runner.value
        await lockConnection.close()
        try? await ownHashing?.shutdownGracefully()
    }

    /// Seconds of silence before TCP probes the lock connection, the seconds between probes, and how many
    /// unanswered probes end it: a vanished database host (or node, on PostgreSQL's side) is noticed in 25 s.
    static let keepalive = (idle: 10, interval: 5, count: 3)

    /// One connection outside the pool, for start-up and then for locks: the node's name lock and the maildrop locks.
    /// TCP keepalives on both ends, so a peer that vanished without closing is noticed.
    private static func connect(
        _ location: PostgresLocation, options: Options,
        tls: (
            client: PostgresClient.Configuration.TLS,
            connection: PostgresConnection.Configuration.TLS
        ), id: Int, logger: Logger
    ) async throws -> PostgresConnection {
        do {
            var configuration: PostgresConnection.Configuration
            var eventLoop: (any EventLoop)?
            if location.isSocket {
                configuration = PostgresConnection.Configuration(
                    unixSocketPath: socketPath(location), username: location.user, password: options.password,
                    database: location.database)
                configuration.options.connectTimeout = TimeAmount(options.connectTimeout)
            } else {
                let channel = try await keepaliveChannel(to: location, timeout: options.connectTimeout)
                eventLoop = channel.eventLoop
                configuration = PostgresConnection.Configuration(
                    establishedChannel: channel, tls: tls.connection, username: location.user,
                    password: options.password, database: location.database)
                // SNI and certificate checks need the name; an address is never sent in SNI.
                if (try? SocketAddress(ipAddress: location.host, port: 0)) == nil {
                    configuration.options.tlsServerName = location.host
                }
            }
            configuration.options.additionalStartupParameters = [
                ("application_name", "pop3d \(options.node) locks"),
                ("tcp_keepalives_idle", "\(keepalive.idle)"), ("tcp_keepalives_interval", "\(keepalive.interval)"),
                ("tcp_keepalives_count", "\(keepalive.count)"),
            ]
            // A channel of our own is driven by the loop it was made on.
            if let eventLoop {
                return try await PostgresConnection.connect(
                    on: eventLoop, configuration: configuration, id: id, logger: logger
                ).get()
            }
            return try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
        } catch {
            throw PostgresFailure.storageError(error, step: .connect, location: location)
        }
    }

    private static func keepaliveChannel(to location: PostgresLocation, timeout: Duration) async throws
        -> any Channel
    {
        func tcp(_ name: Int32) -> ChannelOptions.Types.SocketOption {
            ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: name))
        }
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(timeout))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(tcp(TCP_KEEPIDLE), value: SocketOptionValue(keepalive.idle))
            .channelOption(tcp(TCP_KEEPINTVL), value: SocketOptionValue(keepalive.interval))
            .channelOption(tcp(TCP_KEEPCNT), value: SocketOptionValue(keepalive.count))
            .connect(host: location.host, port: location.port).get()
    }

    /// Holds `node` for as long as the connection lives; refuses when another pop3d holds it.
    private static func lockNode(
        _ node: String, on connection: PostgresConnection, location: PostgresLocation, logger: Logger
    ) async throws {
        var locked = false
        for try await value in try await connection.query(
            "SELECT pg_try_advisory_lock(\(nodeLockKey), hashtext(\(node)))", logger: logger
        ).decode(Bool.self) {
            locked = value
        }
        guard locked else {
            throw StorageError.invalidValue(
                "another pop3d runs as node '\(node)' on PostgreSQL at \(location.server): "
                    + "give each node its own --node-name")
        }
    }

    /// Writes a new database's first user and admin (inside the migration's transaction).
    private static func seed(
        _ connection: PostgresConnection, firstRun: FirstRunCredentials, cost: Int, logger: Logger
    ) async throws {
        let user: (name: String, hash: String)?
        let admin: (name: String, token: String)?
        switch firstRun {
        case .none: return
        case .quickStart:
            user = (SeedDefaults.userName, try PasswordHasher(cost: cost).hash(SeedDefaults.password))
            admin = (SeedDefaults.adminName, SeedDefaults.adminToken)
        case .admin(let name, let token):
            user = nil
            admin = (name, token)
        }
        let now = Date().timeIntervalSince1970
        if let user {
            try await connection.query(
                """
                INSERT INTO users (name, password_hash, created_at, updated_at)
                VALUES (\(user.name), \(user.hash), \(now), \(now))
                """, logger: logger)
        }
        if let admin {
            let (salt, hash) = try CredentialRules.tokenHash(admin: admin.name, token: admin.token)
            try await connection.query(
                """
                INSERT INTO monitor_tokens (admin, token_salt, token_hash, created_at)
                VALUES (\(admin.name), \(Data(salt)), \(Data(hash)), \(now))
                """, logger: logger)
        }
    }

    private static func socketPath(_ location: PostgresLocation) -> String {
        "\(location.host)/.s.PGSQL.\(location.port)"
    }

    private static func tlsConfiguration(_ location: PostgresLocation) throws -> (
        client: PostgresClient.Configuration.TLS, connection: PostgresConnection.Configuration.TLS
    ) {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch location.tls {
        case .disable:
            return (.disable, .disable)
        case .prefer:
            tls.certificateVerification = .none
            return (.prefer(tls), .prefer(try NIOSSLContext(configuration: tls)))
        case .require:
            tls.certificateVerification = .none
            return (.require(tls), .require(try NIOSSLContext(configuration: tls)))
        case .verifyFull:
            if let file = location.rootCertificate { tls.trustRoots = .file(file) }
            return (.require(tls), .require(try NIOSSLContext(configuration: tls)))
        }
    }
}
