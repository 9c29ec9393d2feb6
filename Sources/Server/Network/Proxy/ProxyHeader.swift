/// What a PROXY protocol header (HAProxy's spec, version 1 or 2) says about the connection it starts.
public struct ProxyHeader: Equatable, Sendable {
    /// The header's version: 1 is a text line, 2 binary.
    public var version: Int
    /// The client's connection as the balancer accepted it; nil for a connection of the balancer's own (v2 `LOCAL`,
    /// v1 `UNKNOWN`, a family other than TCP over IP), for which the socket's own addresses stand.
    public var client: ProxiedConnection?

    public init(version: Int, client: ProxiedConnection?) {
        self.version = version
        self.client = client
    }
}

/// The two ends of a client's connection to the balancer, addresses as textual IPs in the form a socket's peer is
/// logged in.
public struct ProxiedConnection: Equatable, Sendable {
    public var source: String
    public var sourcePort: Int
    public var destination: String
    public var destinationPort: Int

    public init(source: String, sourcePort: Int, destination: String, destinationPort: Int) {
        self.source = source
        self.sourcePort = sourcePort
        self.destination = destination
        self.destinationPort = destinationPort
    }
}
