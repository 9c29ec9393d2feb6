import ArgumentParser
import Server

/// The PROXY protocol: which load balancers may tell pop3d the real client address, and what their connections
/// must do.
struct ProxyOptions: ParsableArguments {
    @Option(
        name: .customLong("proxy-trusted-network"),
        help: ArgumentHelp(
            "CIDR block of load balancers that start each connection with a PROXY protocol header, v1 or v2 "
                + "(repeatable; off unless given).",
            discussion: """
                Connections from these addresses get no greeting until the header has arrived; the client address it \
                carries is then used for the connection limits, the login throttle, the plain-text rule, the logs and \
                the session rows. A v2 LOCAL or v1 UNKNOWN header (health checks) keeps the socket's addresses. From \
                any other address a PROXY header is refused. On the --tls-port the header comes before the TLS \
                handshake.
                """, valueName: "cidr"))
    var trustedNetworks: [String] = []

    @Flag(
        name: .customLong("proxy-header-optional"),
        help: """
            Serve a connection from --proxy-trusted-network that sends no header as a direct one from its socket's \
            address, greeted after --proxy-header-timeout. Default: such a connection is closed.
            """)
    var headerOptional = false

    @Option(
        name: .customLong("proxy-header-timeout"),
        help: "Seconds a connection from --proxy-trusted-network may take to send its PROXY header.")
    var headerTimeout: Double = 5

    func validate() throws {
        for block in trustedNetworks where AddressRange(block) == nil {
            throw ValidationError("--proxy-trusted-network: \(block) is not an address or CIDR block")
        }
        guard headerTimeout > 0, headerTimeout <= 600 else {
            throw ValidationError("--proxy-header-timeout must be above 0 and at most 600")
        }
    }

    func apply(to configuration: inout ServerConfiguration) {
        configuration.proxyTrustedNetworks = trustedNetworks.compactMap(AddressRange.init)
        configuration.proxyHeaderOptional = headerOptional
        configuration.proxyHeaderTimeout = .seconds(headerTimeout)
    }
}
