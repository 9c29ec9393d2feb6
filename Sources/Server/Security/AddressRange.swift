import NIOCore

/// A CIDR block such as `127.0.0.0/8` or `::1/128`, for "local" and "trusted" network options.
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    private let prefix: [UInt8]
    private let bits: Int
    public let description: String

    /// Parses `ADDRESS` or `ADDRESS/BITS`; nil when it is neither IPv4 nor IPv6.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let bytes = Self.bytes(of: String(first)) else { return nil }
        let maximum = bytes.count * 8
        let bits = parts.count == 2 ? Int(parts[1]) : maximum
        guard let bits, (0...maximum).contains(bits) else { return nil }
        self.prefix = bytes
        self.bits = bits
        self.description = text
    }

    /// Loopback in both families: plain-text logins from here are always allowed.
    public static let loopback: [AddressRange] = [AddressRange("127.0.0.0/8")!, AddressRange("::1/128")!]

    /// Whether `address` (a textual IP, as logged) lies in this block. IPv4-mapped IPv6 counts as IPv4.
    public func contains(_ address: String) -> Bool {
        guard var candidate = Self.bytes(of: address) else { return false }
        if candidate.count == 16, prefix.count == 4, candidate.prefix(12) == Self.mappedPrefix[...] {
            candidate = Array(candidate.suffix(4))
        }
        guard candidate.count == prefix.count else { return false }
        var remaining = bits
        for index in prefix.indices where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if candidate[index] & mask != prefix[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    private static let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]

    private static func bytes(of text: String) -> [UInt8]? {
        guard let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default:
            return nil
        }
    }
}

extension Array where Element == AddressRange {
    /// Whether any block contains `address`.
    public func contains(address: String) -> Bool {
        contains { $0.contains(address) }
    }
}
