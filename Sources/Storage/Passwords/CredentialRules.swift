/// What every backend accepts as a user name, an admin name and a monitor token.
public enum CredentialRules {
    /// A user name is a maildrop's folder name: 1 to 64 octets, no '/', ':', spaces or control characters, and
    /// not starting with '.'.
    public static func validateUserName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 64 else {
            throw StorageError.invalidValue("a user name has 1 to 64 octets")
        }
        guard !name.hasPrefix("."), !name.contains("/"),
            name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != ":" })
        else {
            throw StorageError.invalidValue(
                "a user name may not start with '.', nor contain '/', ':', spaces or control characters")
        }
    }

    /// A user imported with an existing hash: a valid name, and a hash `PasswordHasher` can verify (scrypt, or a
    /// supported crypt hash).
    public static func validateImport(name: String, passwordHash: String) throws {
        try validateUserName(name)
        guard PasswordHasher.canVerify(passwordHash) else {
            throw StorageError.invalidValue("the password hash is not an scrypt or supported crypt hash")
        }
    }

    /// The salt and hash to store for a monitor token, after checking the admin name and the token's shape.
    public static func tokenHash(admin: String, token: String) throws -> (salt: [UInt8], hash: [UInt8]) {
        guard !admin.isEmpty, admin.utf8.count <= 64, !admin.contains("\0") else {
            throw StorageError.invalidValue("an admin name has 1 to 64 octets and no NUL")
        }
        guard token.utf8.count == 16, token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw StorageError.invalidValue("a token is exactly 16 printable ASCII characters")
        }
        let salt = TokenHasher.salt()
        return (salt, TokenHasher.hash(token, salt: salt))
    }

    /// The admin whose stored token hash matches `token`, checking every row so the time taken does not tell which
    /// admin (if any) matched.
    public static func admin(
        forToken token: String, among rows: [(admin: String, salt: [UInt8], hash: [UInt8])]
    ) -> String? {
        var match: String?
        for row in rows where ConstantTime.equal(TokenHasher.hash(token, salt: row.salt), row.hash) {
            match = row.admin
        }
        return match
    }
}
