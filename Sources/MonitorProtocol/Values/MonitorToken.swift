/// An admin token: exactly 16 printable ASCII characters (0x21–0x7E, so no space).
public struct MonitorToken: Sendable, Hashable, CustomStringConvertible {
    /// The 16 bytes as sent on the wire.
    public let bytes: [UInt8]

    /// A token from its wire bytes, or nil when they are not 16 printable ASCII characters.
    public init?(bytes: [UInt8]) {
        guard bytes.count == MonitorLimits.tokenLength, bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e }) else {
            return nil
        }
        self.bytes = bytes
    }

    /// A token from its text, or nil when it is not 16 printable ASCII characters.
    public init?(_ text: String) {
        self.init(bytes: Array(text.utf8))
    }

    /// The token's text (always ASCII).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// A random token from the system's secure generator, of letters and digits only (no look-alikes such as 0
    /// and O), so it is easy to paste: about 93 bits.
    public static func random() -> MonitorToken {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".utf8)
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<MonitorLimits.tokenLength).map { _ in alphabet.randomElement(using: &generator) ?? 0x41 }
        return MonitorToken(bytes: bytes) ?? random()
    }

    /// Never shows the secret, so a token can be logged by accident without leaking.
    public var description: String { "<token>" }
}
