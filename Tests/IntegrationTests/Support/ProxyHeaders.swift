/// PROXY protocol headers as a load balancer sends them (HAProxy's spec), for tests that play the balancer.
enum ProxyHeaders {
    /// A v1 line for a TCP over IPv4 client.
    static func version1(client: String, clientPort: Int = 40_000, server: String = "127.0.0.1", port: Int = 110)
        -> [UInt8]
    {
        Array("PROXY TCP4 \(client) \(server) \(clientPort) \(port)\r\n".utf8)
    }

    static let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

    /// A v2 PROXY header for a TCP over IPv6 client (16-octet addresses), ports 40000 and 110.
    static func version2(clientIPv6 client: [UInt8], server: [UInt8] = Array(repeating: 0, count: 15) + [1]) -> [UInt8]
    {
        signature + [0x21, 0x21, 0x00, 0x24] + client + server + [0x9C, 0x40, 0x00, 0x6E]
    }

    /// A v2 LOCAL header: the balancer's own connection (HAProxy's health checks with `check-send-proxy`).
    static let version2Local: [UInt8] = signature + [0x20, 0x00, 0x00, 0x00]
}
