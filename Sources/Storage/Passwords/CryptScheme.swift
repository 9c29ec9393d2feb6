/// The crypt(3) hash schemes Dovecot passwd-files use that pop3d verifies (through libcrypt) until the user's
/// next good login replaces them with scrypt.
public enum CryptScheme: String, Sendable, CaseIterable {
    case sha512 = "SHA512-CRYPT"
    case sha256 = "SHA256-CRYPT"
    case blowfish = "BLF-CRYPT"

    /// SHA-crypt rounds accepted (the default is 5,000): more would let one login attempt hold a hashing thread
    /// for seconds.
    static let acceptedRounds = 1_000...1_000_000
    /// bcrypt costs accepted (log2 of the rounds; Dovecot and htpasswd default to 5 and 10).
    static let acceptedBlowfishCosts = 4...16

    /// The scheme whose Dovecot name is `name` ("sha512-crypt" too: Dovecot ignores case), if any.
    init?(dovecotName name: Substring) {
        guard let scheme = Self(rawValue: name.uppercased()) else { return nil }
        self = scheme
    }

    /// True when `hash` ("$6$salt$digest", …) is a well-formed hash of this scheme that libcrypt can check in
    /// bounded time.
    func accepts(_ hash: Substring) -> Bool {
        switch self {
        case .sha512: Self.isSHACrypt(hash, identifier: "6", digestLength: 86)
        case .sha256: Self.isSHACrypt(hash, identifier: "5", digestLength: 43)
        case .blowfish: Self.isBlowfish(hash)
        }
    }

    /// `$<id>$[rounds=N$]<salt 1...16>$<digest>`.
    private static func isSHACrypt(_ hash: Substring, identifier: String, digestLength: Int) -> Bool {
        var fields = hash.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 4 || fields.count == 5, fields[0].isEmpty, fields[1] == identifier else { return false }
        if fields.count == 5 {
            guard fields[2].hasPrefix("rounds="), let rounds = Int(fields[2].dropFirst("rounds=".count)),
                acceptedRounds.contains(rounds)
            else { return false }
            fields.remove(at: 2)
        }
        let salt = fields[2]
        let digest = fields[3]
        return (1...16).contains(salt.utf8.count) && salt.utf8.allSatisfy(isCryptBase64)
            && digest.utf8.count == digestLength && digest.utf8.allSatisfy(isCryptBase64)
    }

    /// `$2a$`, `$2b$` or `$2y$`, two cost digits, `$`, then 22 salt and 31 digest characters.
    private static func isBlowfish(_ hash: Substring) -> Bool {
        let fields = hash.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 4, fields[0].isEmpty, ["2a", "2b", "2y"].contains(fields[1]),
            fields[2].utf8.count == 2, let cost = Int(fields[2]), acceptedBlowfishCosts.contains(cost)
        else { return false }
        return fields[3].utf8.count == 53 && fields[3].utf8.allSatisfy(isCryptBase64)
    }

    /// crypt's base-64 alphabet: `./0-9A-Za-z`.
    private static func isCryptBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
            true
        default: false
        }
    }
}
