import ArgumentParser
import Server

/// TLS, plain-text policy, connection limits, login throttling and the auth cache.
struct SecurityOptions: ParsableArguments {
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain; with --tls-key, POP3 offers STLS.")
    var certificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert. SIGHUP re-reads both files.")
    var key: String?

    @Option(
        name: .customLong("tls-port"),
        help: "Port for implicit TLS (POP3S, RFC 8314; conventionally 995). Off unless given; needs --tls-cert.")
    var tlsPort: Int?

    @Flag(
        name: .customLong("allow-plaintext-auth"),
        help: "Allow USER/PASS and AUTH PLAIN without TLS from any address even when TLS is configured.")
    var allowPlaintextAuth = false

    @Option(
        name: .customLong("local-network"),
        help: "CIDR block treated as local: plain-text login always allowed (repeatable; default 127.0.0.0/8, ::1).")
    var localNetworks: [String] = []

    @Option(
        name: .customLong("trusted-network"),
        help: "CIDR block exempt from the per-address connection cap (repeatable; loopback always is).")
    var trustedNetworks: [String] = []

    @Option(name: .customLong("max-connections"), help: "Connections in total (never above the open-file limit).")
    var maximumConnections = 20_000

    @Option(
        name: .customLong("max-connections-per-address"),
        help: "Connections from one client address (IPv6: from one --ipv6-client-prefix).")
    var maximumConnectionsPerAddress = 1_000

    @Option(
        name: .customLong("monitor-max-connections"),
        help: "Monitor connections in total; over it (or the per-address cap) a request is answered 'server error'.")
    var monitorMaximumConnections = ConnectionCaps.monitorDefault.total

    @Option(
        name: .customLong("monitor-max-connections-per-address"),
        help: "Monitor connections from one client address (loopback included).")
    var monitorMaximumConnectionsPerAddress = ConnectionCaps.monitorDefault.perAddress

    @Option(
        name: .customLong("auth-failure-delay-max"),
        help: "Seconds the failed-login delay may grow to (it doubles per address from --auth-failure-delay).")
    var authFailureDelayMaximum: Double = 15

    @Option(
        name: .customLong("max-login-failures"),
        help: "Failed logins on one connection that close it (the last is answered first; the delay still applies).")
    var maximumFailedLogins = 3

    @Option(
        name: .customLong("ipv6-client-prefix"),
        help: "Bits of an IPv6 address that name one client for the login throttle and the per-address cap (1...128).")
    var ipv6ClientPrefix = 64

    @Option(
        name: .customLong("auth-cache-ttl"),
        help: "Seconds a successful password check is remembered (keyed hash only; 0 turns the cache off).")
    var authCacheLifetime: Double = 300

    @Option(
        name: .customLong("hashing-max-wait"),
        help: ArgumentHelp(
            "Seconds a password check may expect to wait for a hashing thread; longer gets -ERR [SYS/TEMP].",
            discussion: "Each client address (IPv6: --ipv6-client-prefix) is served in turn, so one cannot use it up."))
    var hashingMaximumWait: Double = 30

    func validate() throws {
        guard (certificate == nil) == (key == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if let tlsPort {
            guard certificate != nil else { throw ValidationError("--tls-port needs --tls-cert and --tls-key") }
            guard (0...65_535).contains(tlsPort) else { throw ValidationError("--tls-port must be 0...65535") }
        }
        for block in localNetworks + trustedNetworks where AddressRange(block) == nil {
            throw ValidationError("\(block) is not an address or CIDR block")
        }
        guard maximumConnections > 0, maximumConnectionsPerAddress > 0, monitorMaximumConnections > 0,
            monitorMaximumConnectionsPerAddress > 0
        else {
            throw ValidationError("connection limits must be above 0")
        }
        guard maximumFailedLogins > 0 else { throw ValidationError("--max-login-failures must be above 0") }
        guard ClientGrouping(ipv6PrefixLength: ipv6ClientPrefix) != nil else {
            throw ValidationError("--ipv6-client-prefix must be 1...128")
        }
        guard hashingMaximumWait > 0 else { throw ValidationError("--hashing-max-wait must be above 0") }
        guard authFailureDelayMaximum >= 0, authCacheLifetime >= 0 else {
            throw ValidationError("--auth-failure-delay-max and --auth-cache-ttl must be 0 or more")
        }
    }

    func apply(to configuration: inout ServerConfiguration) {
        configuration.tlsCertificatePath = certificate
        configuration.tlsKeyPath = key
        configuration.tlsPort = tlsPort
        configuration.allowPlaintextAuth = allowPlaintextAuth
        if !localNetworks.isEmpty { configuration.localNetworks = localNetworks.compactMap(AddressRange.init) }
        configuration.trustedNetworks = trustedNetworks.compactMap(AddressRange.init)
        configuration.maximumConnections = maximumConnections
        configuration.maximumConnectionsPerAddress = maximumConnectionsPerAddress
        configuration.monitorConnectionCaps = ConnectionCaps(
            total: monitorMaximumConnections, perAddress: monitorMaximumConnectionsPerAddress)
        configuration.authFailureDelayMaximum = .seconds(authFailureDelayMaximum)
        configuration.authCacheLifetime = .seconds(authCacheLifetime)
        configuration.maximumFailedLogins = maximumFailedLogins
        configuration.clientGrouping = ClientGrouping(ipv6PrefixLength: ipv6ClientPrefix) ?? .standard
        configuration.hashingMaximumWait = .seconds(hashingMaximumWait)
    }
}
