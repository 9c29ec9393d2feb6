/// A password as `pop3ctl users add` and `users import` send it: plain text, or a Dovecot passwd-file field
/// `{SCHEME}data`. A plain password that itself starts with `{`, a scheme-like name and `}` is read as a
/// scheme: this is Dovecot's own rule, and the price of accepting its files unchanged.
public enum ImportedPassword: Sendable, Equatable {
    /// A password in clear: stored as a new scrypt hash.
    case plain(String)
    /// A crypt hash, stored as it is until the user's next good login.
    case crypt(CryptHash)

    /// Plain-text schemes: Dovecot's `{PLAIN}` and its alias `{CLEARTEXT}`.
    private static let plainSchemes = ["PLAIN", "CLEARTEXT"]

    /// Reads a password field. Throws `StorageError.invalidValue` for a scheme pop3d cannot verify, a malformed
    /// crypt hash or an empty `{PLAIN}` password.
    public init(field: String) throws(StorageError) {
        guard let (name, data) = Self.scheme(of: field) else {
            self = .plain(field)
            return
        }
        if Self.plainSchemes.contains(name.uppercased()) {
            guard !data.isEmpty else { throw .invalidValue("the {\(name)} password is empty") }
            self = .plain(String(data))
        } else if let scheme = CryptScheme(dovecotName: name) {
            guard let hash = CryptHash(scheme: scheme, hash: String(data)) else {
                throw .invalidValue("the {\(name)} hash is malformed or its cost is out of range")
            }
            self = .crypt(hash)
        } else {
            let known = (Self.plainSchemes.prefix(1) + CryptScheme.allCases.map(\.rawValue)).joined(separator: ", ")
            throw .invalidValue("password scheme {\(name)} is not supported (supported: \(known))")
        }
    }

    /// The scheme name and the rest, when `field` starts with `{NAME}` (1 to 32 of A-Z a-z 0-9 . _ -).
    private static func scheme(of field: String) -> (name: Substring, data: Substring)? {
        guard field.hasPrefix("{"), let close = field.firstIndex(of: "}") else { return nil }
        let name = field[field.index(after: field.startIndex)..<close]
        guard (1...32).contains(name.utf8.count),
            name.utf8.allSatisfy({ byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            })
        else { return nil }
        return (name, field[field.index(after: close)...])
    }
}
