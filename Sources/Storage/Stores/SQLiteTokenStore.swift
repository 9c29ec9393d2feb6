import Foundation

/// Monitor tokens in SQLite, stored as salted SHA-256.
final class SQLiteTokenStore: TokenStore {
    private let database: Database

    init(database: Database) {
        self.database = database
    }

    func addToken(admin: String, token: String) async throws {
        let (salt, hash) = try Self.checkedHash(admin: admin, token: token)
        try await database.write { connection in
            guard try connection.query("SELECT 1 FROM monitor_tokens WHERE admin = ?", admin).isEmpty else {
                throw StorageError.alreadyExists("admin \(admin)")
            }
            try connection.run(
                "INSERT INTO monitor_tokens (admin, token_salt, token_hash, created_at) VALUES (?, ?, ?, ?)",
                admin, salt, hash, Date().timeIntervalSince1970)
        }
    }

    func replaceToken(admin: String, token: String) async throws {
        let (salt, hash) = try Self.checkedHash(admin: admin, token: token)
        try await database.write { connection in
            try connection.run(
                """
                INSERT INTO monitor_tokens (admin, token_salt, token_hash, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (admin) DO UPDATE SET token_salt = excluded.token_salt, token_hash = excluded.token_hash
                """, admin, salt, hash, Date().timeIntervalSince1970)
        }
    }

    /// The salt and hash to store for `token`, after checking the admin name and the token's shape.
    private static func checkedHash(admin: String, token: String) throws -> (salt: [UInt8], hash: [UInt8]) {
        guard !admin.isEmpty, admin.utf8.count <= 64, !admin.contains("\0") else {
            throw StorageError.invalidValue("an admin name has 1 to 64 octets and no NUL")
        }
        guard token.utf8.count == 16, token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw StorageError.invalidValue("a token is exactly 16 printable ASCII characters")
        }
        let salt = TokenHasher.salt()
        return (salt, TokenHasher.hash(token, salt: salt))
    }

    func deleteToken(admin: String) async throws -> Bool {
        try await database.write { connection in
            guard try !connection.query("SELECT 1 FROM monitor_tokens WHERE admin = ?", admin).isEmpty else {
                return false
            }
            guard try connection.query("SELECT count(*) FROM monitor_tokens")[0].int(0) > 1 else {
                throw StorageError.invalidValue(
                    "\(admin) is the last admin: add another admin first, or nobody could use the monitor")
            }
            try connection.run("DELETE FROM monitor_tokens WHERE admin = ?", admin)
            return true
        }
    }

    func listTokens() async throws -> [TokenRecord] {
        try await database.read { connection in
            try connection.query("SELECT admin, created_at FROM monitor_tokens ORDER BY admin").map {
                TokenRecord(admin: $0.string(0), createdAt: Date(timeIntervalSince1970: $0.double(1)))
            }
        }
    }

    func admin(forToken token: String) async throws -> String? {
        let rows = try await database.read { connection in
            try connection.query("SELECT admin, token_salt, token_hash FROM monitor_tokens")
        }
        // Check every row, so the time taken does not tell which admin (if any) matched.
        var match: String?
        for row in rows where ConstantTime.equal(TokenHasher.hash(token, salt: row.blob(1)), row.blob(2)) {
            match = row.string(0)
        }
        return match
    }
}
