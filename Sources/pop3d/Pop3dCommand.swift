import ArgumentParser
import Foundation
import Logging
import Maildir
import MonitorProtocol
import NIOCore
import PostgresStorage
import Server
import ServiceLifecycle
import Storage

/// `pop3d`: parse the command line, open storage, recover the deletion journal, run the services.
@main
struct Pop3dCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pop3d",
        abstract: "A POP3 server (RFC 1939, RFC 2449) for a local maildir, with a monitor port for pop3ctl.",
        discussion: """
            With no options pop3d serves POP3 on port 1100 of every address, reads mail from ./directories/ \
            (<maildir>/<user>/{cur,new,tmp}), keeps users, tokens, settings, history and the deletion journal in \
            ./pop3d.sqlite, and answers pop3ctl on 127.0.0.1:1081. A new database gets no POP3 user and one monitor \
            admin, 'admin', whose random token is written to <database>.admin-token (mode 0600): add users with \
            pop3ctl users add. --quick-start-credentials gives a new database the seed's foo/bar and token \
            123456789abcdef1 instead, for a local try.
            SIGINT or SIGTERM stops it gracefully: sessions that did not QUIT keep all their mail.
            pop3d migrate --from sqlite:PATH --to postgresql://USER@HOST:PORT/DATABASE copies a SQLite \
            database's users, tokens, settings and history into PostgreSQL (pop3d migrate --help).
            """,
        version: ServerConfiguration.version)

    @Option(name: [.customShort("p"), .long], help: "POP3 port (0 picks a free one, printed in the log).")
    var port: Int = 1100

    @Option(
        name: [.customShort("m"), .long],
        help:
            "Maildir root holding <user>/{cur,new,tmp}. Default: the maildir set through the monitor, else ./directories/."
    )
    var maildir: String?

    @Option(name: .customLong("listen"), help: "Address to serve POP3 on; repeat for several. Default: 0.0.0.0 and ::.")
    var listenAddresses: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The database: a SQLite file (PATH or sqlite:PATH, created when missing) or "
                + "postgresql://USER@HOST:PORT/DATABASE (see --database-password-file).",
            discussion: """
                A PostgreSQL URL may add ?sslmode=disable|prefer|require|verify-full (default prefer) and \
                sslrootcert=FILE; the schema is created at the first start. Move a SQLite installation over with \
                pop3d migrate.
                """, valueName: "path|url"))
    var database: String = "./pop3d.sqlite"

    @Option(
        name: .customLong("monitor-listen"), help: "Address of the monitor port; beyond loopback a warning is logged.")
    var monitorAddress: String = "127.0.0.1"

    @Option(
        name: .customLong("monitor-port"), parsing: .unconditional,
        help: "Monitor port for pop3ctl (0 picks a free one; -1 disables it).")
    var monitorPort: Int = 1081

    @Option(
        name: .customLong("idle-timeout"),
        help: "Seconds of inactivity after login before autologout (RFC 1939: at least 600).")
    var idleTimeout: Double = 600

    @Option(name: .customLong("pre-login-timeout"), help: "Seconds a connection may stay without logging in.")
    var preLoginTimeout: Double = 60

    @Option(name: .customLong("auth-failure-delay"), help: "Seconds before a failed login is answered (0 in tests).")
    var authFailureDelay: Double = 2

    @Option(name: .customLong("password-cost"), help: "scrypt cost (log2 N, 10...20) for new password hashes.")
    var passwordCost: Int = PasswordHasher.defaultCost

    @Option(
        name: .customLong("sample-interval"),
        help: ArgumentHelp(
            "Seconds between metric samples written to the database.",
            discussion: "pop3ctl stats --cluster leaves out the gauges of a node whose newest sample is older than "
                + "three of these intervals (at least 5 s): give every node of a cluster the same interval."))
    var sampleInterval: Double = 10

    @Option(
        name: .customLong("history-retention-days"),
        help: "Days login attempts and finished sessions are kept row by row; older ones are kept as daily totals.")
    var historyRetentionDays: Int = 90

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @OptionGroup(title: "Database on PostgreSQL")
    var databaseOptions: DatabaseOptions

    @OptionGroup(title: "Security")
    var security: SecurityOptions

    @OptionGroup(title: "Mailbox policy (RFC 2449)")
    var policy: PolicyOptions
    @OptionGroup(title: "Sign-in with OAuth 2.0 tokens")
    var oauth: OAuthOptions

    @OptionGroup(title: "Sign-in with SCRAM-SHA-256")
    var scram: SCRAMOptions

    @OptionGroup(title: "Behind a load balancer (PROXY protocol)")
    var proxy: ProxyOptions

    @OptionGroup(title: "Observability")
    var observability: ObservabilityOptions

    @OptionGroup(title: "Moving from another server")
    var migration: MigrationOptions

    @OptionGroup(title: "Running as a service")
    var service: ServiceOptions

    /// How long the services may take to stop after SIGTERM before they are cancelled; a normal stop takes well under
    /// a second, even under load.
    static let gracefulShutdownLimit: Duration = .seconds(10)

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard (-1...65_535).contains(monitorPort) else { throw ValidationError("--monitor-port must be -1...65535") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard (10...20).contains(passwordCost) else { throw ValidationError("--password-cost must be 10...20") }
        guard (1...36_500).contains(historyRetentionDays) else {
            throw ValidationError("--history-retention-days must be 1...36500")
        }
        for (name, value) in [
            ("--idle-timeout", idleTimeout), ("--pre-login-timeout", preLoginTimeout),
            ("--sample-interval", sampleInterval),
        ] where !(value > 0) {
            throw ValidationError("\(name) must be above 0")
        }
        guard authFailureDelay >= 0 else { throw ValidationError("--auth-failure-delay must be 0 or more") }
        do {
            _ = try DatabaseTarget(database)
        } catch let error as StorageError {
            throw ValidationError("--database: \(error)")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap(observability.logHandlerFactory(level: level))
        let logger = Logger(label: "pop3d")
        let drop: PrivilegeDrop?
        do {
            drop = try service.privilegeDrop()
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        // Root about to drop opens the service account's files by descriptor, never following a link.
        let owner = drop?.account.fileOwner
        var configuration = ServerConfiguration()
        configuration.port = port
        if !listenAddresses.isEmpty { configuration.listenAddresses = listenAddresses }
        configuration.databasePath = database
        configuration.monitorAddress = monitorAddress
        configuration.monitorPort = monitorPort
        configuration.idleTimeout = .seconds(idleTimeout)
        configuration.preLoginTimeout = .seconds(preLoginTimeout)
        configuration.authFailureDelay = .seconds(authFailureDelay)
        configuration.passwordCost = passwordCost
        configuration.sampleInterval = .seconds(sampleInterval)
        configuration.historyRetention = .seconds(historyRetentionDays * 86_400)
        security.apply(to: &configuration)
        policy.apply(to: &configuration)
        proxy.apply(to: &configuration)
        observability.apply(to: &configuration)
        migration.apply(to: &configuration)
        let tls: TLSCredentials?
        do {
            tls = try security.certificate.map { try TLSCredentials(certificatePath: $0, keyPath: security.key ?? "") }
        } catch {
            logger.critical("cannot load the TLS certificate or key: \(error)")
            throw ExitCode(2)
        }

        // The hashing threads come first: the user store hashes on them.
        let hashing = HashingQueue(
            threads: System.coreCount, maximumWait: configuration.hashingMaximumWait,
            initialJobTime: HashingQueue.estimatedJobTime(cost: passwordCost), grouping: configuration.clientGrouping,
            metrics: DetailedMetrics())
        let opened: OpenedStorage
        do {
            opened = try await StorageOpener(
                target: try DatabaseTarget(database), options: databaseOptions, passwordCost: passwordCost,
                quickStartCredentials: service.quickStartCredentials, owner: drop?.account, logger: logger
            ).open(hashing: hashing)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(2)
        }
        let storage = opened.storage
        if let admin = service.resetAdminToken {
            let reset = AdminTokenFile(
                admin: admin, token: MonitorToken.random().text, basePath: opened.tokenFileBase,
                event: "monitor admin token reset (--reset-admin-token)")
            do {
                try await storage.stores.tokens.replaceToken(admin: admin, token: reset.token)
            } catch {
                logger.critical("cannot reset the token of admin '\(admin)': \(error)")
                await opened.close()
                throw ExitCode(2)
            }
            reset.hand(to: owner, logger: logger)
        }
        var failure: (any Error)?
        do {
            try await serve(
                storage: storage, clusterLocks: opened.clusterLocks, hashing: hashing, configuration: configuration,
                tls: tls, drop: drop, logger: logger)
        } catch {
            failure = error
        }
        // One way out, after success or failure: the group has stopped every service (and flushed what they
        // hold); the database closes last.
        await opened.close()
        if let failure {
            if let exit = failure as? ExitCode { throw exit }
            logger.critical("stopped: \(failure)")
            throw ExitCode(1)
        }
        logger.info("pop3d stopped")
    }

    /// Builds every component, each given what it uses, and runs them as one service group until SIGTERM or SIGINT.
    /// Order matters: at shutdown the group stops services from the last to the first, so listeners drain their
    /// sessions before the history pruner stops (between two batches) and the recorder and sampler write their last
    /// rows, and the thread pools stop after everything that uses them.
    private func serve(
        storage: any StorageBackend, clusterLocks: ClusterMaildropLocks?, hashing: HashingQueue,
        configuration base: ServerConfiguration,
        tls: TLSCredentials?,
        drop: PrivilegeDrop?, logger: Logger
    ) async throws {
        var configuration = base
        let stores = storage.stores
        var root = maildir ?? ServerConfiguration.defaultMaildir
        if maildir == nil, let stored = try await stores.settings.value(for: .maildir) { root = stored }
        configuration.maildir = root
        let files = ThreadPoolService(threads: configuration.ioThreads)
        let maildirRoot = MaildirRoot(
            path: root, index: stores.messageIndex, uidlSource: configuration.uidlSource, files: files.pool,
            hiddenKeyword: configuration.keepDeletedKeyword)
        try await Startup.warnAboutDefaultCredentials(storage, logger: logger)
        Startup.raiseOpenFileLimit(logger: logger)
        // The journal is recovered after root is dropped and before any login or monitor request is served. On
        // PostgreSQL each maildrop's rows are recovered when its lock is taken instead: at this node's start, other
        // nodes may be serving any user.
        let privileges = PrivilegeSwitch(drop: drop, logger: logger) { [journal = stores.journal] in
            if clusterLocks == nil {
                try await Startup.recoverJournal(journal, maildir: maildirRoot.store, logger: logger)
            }
        }

        let metrics = ServerMetrics(detail: hashing.metrics ?? DetailedMetrics())
        if let tls { metrics.detail.watchCertificate(tls) }
        metrics.resume(from: try await stores.metrics.latestValues())
        let users = CachingUserStore(
            wrapping: privileges.gated(stores).users, lifetime: configuration.authCacheLifetime)
        var monitorStores = stores
        monitorStores.users = users  // so monitor changes drop cached logins at once
        let recorder = ActivityRecorder(
            sessionLog: stores.sessions, authEvents: stores.authEvents, interval: configuration.sampleInterval,
            logger: logger)
        let liveSessions = LiveSessions()
        let bearerTokens = try await loadBearerTokenValidator(logger: logger)
        clusterLocks?.whenLost { liveSessions.endMaildropSessions() }
        let policies = MailboxPolicyBook(defaults: configuration.policyDefaults, store: stores.policies)
        try await policies.refresh()
        let login = LoginService(
            users: users,
            throttle: LoginThrottle(
                base: configuration.authFailureDelay, maximum: configuration.authFailureDelayMaximum,
                grouping: configuration.clientGrouping),
            maildirRoot: maildirRoot, locks: clusterLocks ?? MaildropLocks(), journal: stores.journal,
            metrics: metrics,
            recorder: recorder, policies: policies, bearerTokens: bearerTokens,
            scram: scram.enabled
                ? SCRAMService(
                    store: stores.scram, iterations: scram.iterations, secret: try await stores.scram.scramSecret())
                : nil)
        let connections = POP3ConnectionFactory(
            login: login, files: files.pool, liveSessions: liveSessions, tls: tls,
            policy: POP3ConnectionPolicy(configuration: configuration), logger: logger)
        let limiter = ConnectionLimiter(configuration: configuration)
        Startup.warnAboutExposure(configuration: configuration, tls: tls, logger: logger)

        var services: [any Service] = [
            hashing, files, recorder,
            MetricsSampler(
                metrics: metrics, store: stores.metrics, interval: configuration.sampleInterval,
                rawRetention: configuration.rawMetricsRetention,
                hourlyRetention: configuration.hourlyMetricsRetention,
                databaseSize: DatabaseSizeGauge(
                    maintenance: stores.maintenance, metrics: metrics, journal: stores.journal), logger: logger),
            HistoryPruner(
                store: stores.historyRetention, retention: configuration.historyRetention,
                interval: configuration.historyPruneInterval, logger: logger),
            EventLoopWatchdog(metrics: metrics, logger: logger),
        ]
        if let tls { services.append(TLSReloadService(credentials: tls, logger: logger)) }
        if let metricsListen = configuration.metricsListen {
            services.append(
                PrometheusEndpoint(
                    address: metricsListen, metrics: metrics, node: stores.metrics.node, logger: logger,
                    caps: configuration.metricsConnectionCaps,
                    requestTimeout: TimeAmount(configuration.metricsRequestTimeout),
                    onBound: privileges.expectBinding()))
        }
        if configuration.monitorPort >= 0 {
            let performer = MonitorOperationPerformer(
                stores: monitorStores, maildirRoot: maildirRoot, liveSessions: liveSessions, metrics: metrics,
                logger: logger, backupDirectory: service.backupDirectory.flatMap(BackupDirectory.init),
                sampleInterval: configuration.sampleInterval, policies: policies,
                scramIterations: scram.enabled ? scram.iterations : nil)
            // Bound only once pop3d serves: its requests write files and the database, never as root.
            services.append(
                MonitorListener(
                    address: configuration.monitorAddress, port: configuration.monitorPort,
                    processor: MonitorRequestProcessor(tokens: stores.tokens, performer: performer, logger: logger),
                    metrics: metrics, logger: logger, caps: configuration.monitorConnectionCaps,
                    startsAfter: privileges.waitUntilServing))
        }
        services.append(
            POP3Listener(
                connections: connections, limiter: limiter, addresses: configuration.listenAddresses,
                port: configuration.port, onReady: privileges.expectListener()))
        if tls != nil, let tlsPort = configuration.tlsPort {
            services.append(
                POP3Listener(
                    connections: connections, limiter: limiter, addresses: configuration.listenAddresses,
                    port: tlsPort, implicitTLS: true, onReady: privileges.expectListener()))
        }
        services.append(privileges)
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // A service whose last write waits for a database that is gone (PostgreSQL's pool waits for a connection
        // without end) is cancelled after this, so SIGTERM always ends pop3d.
        groupConfiguration.maximumGracefulShutdownDuration = Self.gracefulShutdownLimit
        let group = ServiceGroup(configuration: groupConfiguration)
        logger.info(
            "pop3d starting",
            metadata: [
                "version": "\(ServerConfiguration.version)", "maildir": "\(root)",
                "database": "\(DatabaseTarget.loggable(database))",
            ])
        try await group.run()
    }
}

extension Pop3dCommand {
    /// The bearer-token checker when OAuth is configured; a key set that cannot be used stops pop3d (exit 2).
    func loadBearerTokenValidator(logger: Logger) async throws -> BearerTokenValidator? {
        guard let settings = oauth.settings else { return nil }
        do {
            let validator = try await BearerTokenValidator.load(settings)
            logger.info(
                "oauth enabled",
                metadata: [
                    "keys": "\(validator.keyIDs.joined(separator: ","))", "user_claim": "\(settings.userClaim)",
                ])
            return validator
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(2)
        }
    }
}
