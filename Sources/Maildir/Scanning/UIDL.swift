import Crypto

/// Unique-id listings derived from maildir base names, so they survive flag changes and restarts.
public enum UIDL {
    /// Longest UIDL RFC 1939 allows.
    public static let maximumLength = 70

    /// The base name itself when it is a valid UIDL, else `hashed(baseName)`.
    public static func forBaseName(_ baseName: String) -> String {
        isValid(baseName) ? baseName : hashed(baseName)
    }

    /// True for 1...70 octets in 0x21...0x7E (RFC 1939).
    public static func isValid(_ text: String) -> Bool {
        let octets = text.utf8
        return (1...maximumLength).contains(octets.count) && octets.allSatisfy({ (0x21...0x7E).contains($0) })
    }

    /// "S" and the first 40 hex digits of SHA-256 of the text: 41 safe characters.
    public static func hashed(_ text: String) -> String {
        let digest = SHA256.hash(data: Array(text.utf8))
        let hexDigits = Array("0123456789abcdef".utf8)
        var result: [UInt8] = [UInt8(ascii: "S")]
        for byte in digest.prefix(20) {
            result.append(hexDigits[Int(byte >> 4)])
            result.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: result, as: UTF8.self)
    }
}
