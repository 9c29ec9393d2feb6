/// Where the Prometheus endpoint listens, parsed from `ADDR:PORT` (`[ADDR]:PORT` for IPv6).
public struct MetricsListenAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    /// 0 picks a free port (the bound one is logged).
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Nil when `text` has no port, a bad port, an empty host, or an IPv6 address without brackets.
    public init?(_ text: String) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            // "::1:9110" is ambiguous; IPv6 needs "[::1]:9110".
            guard !hostPart.contains(":") else { return nil }
        }
        guard !hostPart.isEmpty,
            hostPart.allSatisfy({ !$0.isWhitespace && $0 != "/" && $0 != "[" && $0 != "]" }),
            !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(portPart), (0...65_535).contains(port)
        else { return nil }
        self.init(host: String(hostPart), port: port)
    }

    /// "127.0.0.1:9110" or "[::1]:9110".
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
