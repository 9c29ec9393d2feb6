/// One line of a `users import` file: "user:password", or a Dovecot passwd-file line
/// "user:{SCHEME}hash[:uid:gid:gecos:home:shell:extra]". Blank lines and lines starting with '#' are skipped.
enum UserImportLine: Sendable, Hashable {
    /// `password` is sent as it is; for a Dovecot line it is the `{SCHEME}…` field, which the server reads.
    case user(name: String, password: String)
    case skip
    case invalid(reason: String)

    init(_ line: Substring) {
        let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
        if trimmed.allSatisfy({ $0 == " " || $0 == "\t" }) || trimmed.first == "#" {
            self = .skip
        } else if let pair = CredentialPair(String(trimmed)) {
            self = .user(name: pair.name, password: Self.passwordField(pair.secret))
        } else {
            self = .invalid(reason: "expected user:password")
        }
    }

    /// A Dovecot field `{SCHEME}…` ends at the next ':' (passwd-file fields never hold one; the uid, gid and
    /// the rest follow it and are not ours). A plain password keeps every ':' it has.
    private static func passwordField(_ secret: String) -> String {
        guard secret.hasPrefix("{"), let close = secret.firstIndex(of: "}"),
            isSchemeName(secret[secret.index(after: secret.startIndex)..<close]),
            let colon = secret[close...].firstIndex(of: ":")
        else { return secret }
        return String(secret[..<colon])
    }

    /// The server's rule for a scheme name: 1 to 32 of A-Z a-z 0-9 . _ -
    private static func isSchemeName(_ name: Substring) -> Bool {
        (1...32).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }
}
