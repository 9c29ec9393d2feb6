import NIOCore

/// Which client addresses count as one client for the login throttle and the per-address connection cap. An IPv6
/// host usually has a whole /64 to itself, so keying on the exact address lets it rotate through 2^64 of them;
/// IPv6 addresses are grouped by a prefix (/64 by default). IPv4 (IPv4-mapped IPv6 included) stays per address.
public struct ClientGrouping: Sendable, Equatable {
    /// Bits of an IPv6 address that name the client: 1...128.
    public let ipv6PrefixLength: Int

    public init?(ipv6PrefixLength: Int) {
        guard (1...128).contains(ipv6PrefixLength) else { return nil }
        self.ipv6PrefixLength = ipv6PrefixLength
    }

    public static let standard = ClientGrouping(ipv6PrefixLength: 64)!

    /// The key `address` (textual, as logged) is counted under: the address itself, or its IPv6 prefix as
    /// `PREFIX/BITS`. Text that is not an IP address is its own key.
    public func key(for address: String) -> String {
        // Every connection and login asks; IPv4 text (no colon) is its own key without parsing.
        guard address.utf8.contains(UInt8(ascii: ":")) else { return address }
        guard let socket = try? SocketAddress(ipAddress: address, port: 0), case .v6(let v6) = socket else {
            return address
        }
        var bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        if bytes.prefix(12).elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) {
            return bytes.suffix(4).map(String.init).joined(separator: ".")
        }
        guard ipv6PrefixLength < 128 else { return address }
        for index in bytes.indices {
            let kept = ipv6PrefixLength - index * 8
            bytes[index] &= kept >= 8 ? 0xFF : (kept <= 0 ? 0 : ~(0xFF >> UInt8(kept)))
        }
        return "\(Self.text(ofIPv6: bytes))/\(ipv6PrefixLength)"
    }

    /// RFC 5952 text: lower-case hex groups, the longest run of two or more zero groups as `::`.
    private static func text(ofIPv6 bytes: [UInt8]) -> String {
        let groups = stride(from: 0, to: 16, by: 2).map { Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]) }
        var best: Range<Int>? = nil
        var start: Int? = nil
        for index in 0...groups.count {
            if index < groups.count, groups[index] == 0 {
                if start == nil { start = index }
            } else if let first = start {
                if index - first >= 2, index - first > best?.count ?? 0 { best = first..<index }
                start = nil
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard let best else { return hex.joined(separator: ":") }
        return hex[..<best.lowerBound].joined(separator: ":") + "::" + hex[best.upperBound...].joined(separator: ":")
    }
}
