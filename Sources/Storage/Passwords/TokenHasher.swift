import Crypto

/// Hashes monitor tokens: tokens are random, so a salted SHA-256 is enough and keeps each monitor request cheap.
enum TokenHasher {
    static func salt() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func hash(_ token: String, salt: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(token.utf8))
        return Array(hasher.finalize())
    }
}
