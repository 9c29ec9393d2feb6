public import NIOCore

/// Whether a monitor address stays on this machine: tokens and passwords cross the monitor port in clear.
public enum MonitorAddress {
    /// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses.
    public static func isLoopback(_ address: SocketAddress) -> Bool {
        guard let ip = address.ipAddress?.lowercased() else { return false }
        return isLoopback(ip: ip)
    }

    /// The same check on an address as typed (also accepts "localhost").
    public static func isLoopback(host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" { return true }
        if let address = try? SocketAddress(ipAddress: host, port: 0) { return isLoopback(address) }
        return false
    }

    /// "127.0.0.1:51234" or "[::1]:51234", for logs.
    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    private static func isLoopback(ip: String) -> Bool {
        ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.") || ip == "0:0:0:0:0:0:0:1"
    }
}
