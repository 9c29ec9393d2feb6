import Foundation

/// Monitor tokens in SQLite, stored as salted SHA-256.
final class SQLiteTokenStore: TokenStore {
    private let database: Database

    init(database: Database) {
        self.database = database
    }

    func addToken(admin: String, token: String) async throws {
        let (salt, hash) = try CredentialRules.tokenHash(admin: admin, token: token)
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
        let (salt, hash) = try CredentialRules.tokenHash(admin: admin, token: token)
        try await database.write { connection in
            try connection.run(
                """
                INSERT INTO monitor_tokens (admin, token_salt, token_hash, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (admin) DO UPDATE SET token_salt = excluded.token_salt, token_hash = excluded.token_hash
                """, admin, salt, hash, Date().timeIntervalSince1970)
        }
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
        return CredentialRules.admin(
            forToken: token, among: rows.map { (admin: $0.string(0), salt: $0.blob(1), hash: $0.blob(2)) })
    }
}
