import ArgumentParser
import Foundation
import Logging
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
            ./pop3d.sqlite, and answers pop3ctl on 127.0.0.1:1081. A new database gets user foo (password bar) \
            and admin token 123456789abcdef1: change them before others can reach the server.
            SIGINT or SIGTERM stops it gracefully: sessions that did not QUIT keep all their mail.
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

    @Option(name: .long, help: "SQLite database file (created when missing).")
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

    @Option(name: .customLong("sample-interval"), help: "Seconds between metric samples written to the database.")
    var sampleInterval: Double = 10

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @OptionGroup(title: "Security")
    var security: SecurityOptions

    @OptionGroup(title: "Observability")
    var observability: ObservabilityOptions

    @OptionGroup(title: "Moving from another server")
    var migration: MigrationOptions

    @OptionGroup(title: "Running as a service")
    var service: ServiceOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard (-1...65_535).contains(monitorPort) else { throw ValidationError("--monitor-port must be -1...65535") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard (10...20).contains(passwordCost) else { throw ValidationError("--password-cost must be 10...20") }
        for (name, value) in [
            ("--idle-timeout", idleTimeout), ("--pre-login-timeout", preLoginTimeout),
            ("--sample-interval", sampleInterval),
        ] where !(value > 0) {
            throw ValidationError("\(name) must be above 0")
        }
        guard authFailureDelay >= 0 else { throw ValidationError("--auth-failure-delay must be 0 or more") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap(observability.logHandlerFactory(level: level))
        let logger = Logger(label: "pop3d")
        let privileges = try PrivilegeSwitch.make(service, databasePath: database, logger: logger)
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
        security.apply(to: &configuration)
        observability.apply(to: &configuration)
        migration.apply(to: &configuration)
        let tls: TLSCredentials?
        do {
            tls = try security.certificate.map { try TLSCredentials(certificatePath: $0, keyPath: security.key ?? "") }
        } catch {
            logger.critical("cannot load the TLS certificate or key: \(error)")
            throw ExitCode(2)
        }

        let storage: SQLiteStorage
        do {
            storage = try SQLiteStorage(path: database, passwordCost: passwordCost)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(2)
        }
        defer { storage.close() }
        let root = try maildir ?? storage.stores.settings.value(forKey: "maildir") ?? ServerConfiguration.defaultMaildir
        configuration.maildir = root
        try Startup.prepare(storage: storage, maildir: root, logger: logger)

        Startup.raiseOpenFileLimit(logger: logger)
        let metrics = ServerMetrics()
        metrics.resume(from: try storage.stores.metrics.latestValues())
        let server = ServerContext(
            configuration: configuration, stores: privileges.gated(storage.stores), maildir: root, metrics: metrics,
            logger: logger, tls: tls)
        server.start()
        Startup.warnAboutExposure(configuration: configuration, tls: tls, logger: logger)
        var services: [any Service] = [
            MetricsSampler(server: server), POP3Listener(server: server, onReady: privileges.expectListener()),
            EventLoopWatchdog(metrics: metrics, logger: logger),
        ]
        if let tls {
            services.append(TLSReloadService(credentials: tls, logger: logger))
            if configuration.tlsPort != nil {
                services.append(POP3Listener(server: server, implicitTLS: true, onReady: privileges.expectListener()))
            }
        }
        if configuration.monitorPort >= 0 {
            services.append(MonitorListener(server: server, onBound: privileges.expectBinding()))
        }
        if let metricsListen = configuration.metricsListen {
            services.append(
                PrometheusEndpoint(
                    address: metricsListen, metrics: server.metrics, logger: logger,
                    onBound: privileges.expectBinding()))
        }
        services.append(privileges)
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        logger.info(
            "pop3d starting",
            metadata: ["version": "\(ServerConfiguration.version)", "maildir": "\(root)", "database": "\(database)"])
        do {
            try await group.run()
        } catch {
            logger.critical("stopped: \(error)")
            try? server.flushActivity()
            try? await server.shutdown()
            throw ExitCode(1)
        }
        try? server.flushActivity()
        try? await server.shutdown()
        logger.info("pop3d stopped")
    }
}
