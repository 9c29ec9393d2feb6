/// Which peers are load balancers that start each connection with a PROXY protocol header, and what a connection
/// of theirs must do. With no trusted network the protocol is off: every peer is the client.
public struct ProxyProtocolPolicy: Sendable {
    /// Balancers' addresses (`--proxy-trusted-network`). Only these may say who the client is.
    public var trustedNetworks: [AddressRange]
    /// A connection from a trusted network without a header is closed (true), or served after the header timeout
    /// as a direct one from the socket's address (false).
    public var headerRequired: Bool
    /// How long a connection from a trusted network may take to send its header.
    public var headerTimeout: Duration

    public init(
        trustedNetworks: [AddressRange] = [], headerRequired: Bool = true, headerTimeout: Duration = .seconds(5)
    ) {
        self.trustedNetworks = trustedNetworks
        self.headerRequired = headerRequired
        self.headerTimeout = headerTimeout
    }

    /// Whether a connection from `peer` (the socket's address) starts with a header.
    func expectsHeader(from peer: String) -> Bool {
        trustedNetworks.contains(address: peer)
    }
}
