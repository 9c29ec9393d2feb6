import Crypto
import Foundation
import _CryptoExtras

/// Hashes and verifies passwords with scrypt (r 8, p 1, a random 16-byte salt), stored as a PHC-style string
/// `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (unpadded base64) so the cost can rise later. Also verifies the crypt
/// hashes of an import from Dovecot (`CryptHash`), which `needsRehash` always marks for replacement.
public struct PasswordHasher: Sendable {
    /// log2 of scrypt's N for new hashes (15: 32 MiB of memory and about 90 ms per hash in a release build).
    public let cost: Int
    public static let defaultCost = 15
    /// Costs accepted in stored hashes; outside it a hash is rejected instead of risking memory exhaustion.
    public static let acceptedCosts = 1...22

    private static let blockSize = 8
    private static let parallelism = 1
    private static let saltBytes = 16
    private static let hashBytes = 32

    public init(cost: Int = PasswordHasher.defaultCost) {
        self.cost = min(max(cost, Self.acceptedCosts.lowerBound), Self.acceptedCosts.upperBound)
    }

    /// A new PHC string for `password` (its UTF-8 octets) at this hasher's cost.
    public func hash(_ password: String) throws -> String {
        try hash(Array(password.utf8))
    }

    /// A new PHC string for the password's octets, exactly as the client sent them, at this hasher's cost.
    public func hash(_ password: [UInt8]) throws -> String {
        var salt = [UInt8](repeating: 0, count: Self.saltBytes)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = UInt8.random(in: .min ... .max, using: &generator) }
        let derived = try Self.derive(password, salt: salt, cost: cost)
        return
            "$scrypt$ln=\(cost),r=\(Self.blockSize),p=\(Self.parallelism)$\(Self.base64(salt))$\(Self.base64(derived))"
    }

    /// Checks `password` against a stored hash, using the parameters stored in it, in constant time: an scrypt
    /// PHC string, or a crypt hash imported from Dovecot (`{SHA512-CRYPT}$6$…`, checked by libcrypt).
    public func verify(_ password: String, against stored: String) -> Bool {
        verify(Array(password.utf8), against: stored)
    }

    /// `verify` for the password's octets as the client sent them: no decoding, so two different invalid UTF-8
    /// passwords never compare equal, and a Latin-1 password matches the crypt hash made from its octets.
    public func verify(_ password: [UInt8], against stored: String) -> Bool {
        if let imported = CryptHash(stored: stored) { return imported.verify(password) }
        guard let parsed = ParsedHash(stored) else { return false }
        guard let derived = try? Self.derive(password, salt: parsed.salt, cost: parsed.cost) else {
            return false
        }
        return ConstantTime.equal(derived, parsed.hash)
    }

    /// True when `stored` was made with a lower cost than this hasher's, is an imported crypt hash (replaced by
    /// scrypt at the next good login), or cannot be read.
    public func needsRehash(_ stored: String) -> Bool {
        guard let parsed = ParsedHash(stored) else { return true }
        return parsed.cost < cost
    }

    /// True when `verify` can check passwords against `stored`: a well-formed scrypt PHC string or crypt hash.
    public static func canVerify(_ stored: String) -> Bool {
        ParsedHash(stored) != nil || CryptHash(stored: stored) != nil
    }

    private static func derive(_ password: [UInt8], salt: [UInt8], cost: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: password, salt: salt, outputByteCount: hashBytes, rounds: 1 << cost,
            blockSize: blockSize, parallelism: parallelism)
        return key.withUnsafeBytes { Array($0) }
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    static func unbase64(_ text: Substring) -> [UInt8]? {
        var padded = String(text)
        while padded.count % 4 != 0 { padded += "=" }
        return Data(base64Encoded: padded).map(Array.init)
    }

    /// The fields of a `$scrypt$ln=…,r=8,p=1$salt$hash` string.
    private struct ParsedHash {
        let cost: Int
        let salt: [UInt8]
        let hash: [UInt8]

        init?(_ text: String) {
            let fields = text.split(separator: "$", omittingEmptySubsequences: false)
            guard fields.count == 5, fields[0].isEmpty, fields[1] == "scrypt" else { return nil }
            var parameters: [Substring: Int] = [:]
            for pair in fields[2].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let value = Int(parts[1]) else { return nil }
                parameters[parts[0]] = value
            }
            guard let cost = parameters["ln"], PasswordHasher.acceptedCosts.contains(cost),
                parameters["r"] == PasswordHasher.blockSize, parameters["p"] == PasswordHasher.parallelism,
                let salt = PasswordHasher.unbase64(fields[3]), let hash = PasswordHasher.unbase64(fields[4]),
                !salt.isEmpty, hash.count == PasswordHasher.hashBytes
            else { return nil }
            self.cost = cost
            self.salt = salt
            self.hash = hash
        }
    }
}
