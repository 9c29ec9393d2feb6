import Foundation
import PostgresNIO
import Storage

/// Monitor tokens in PostgreSQL, stored as salted SHA-256 (`CredentialRules`).
final class PostgresTokenStore: TokenStore {
    private let pool: PostgresPool

    init(pool: PostgresPool) {
        self.pool = pool
    }

    func addToken(admin: String, token: String) async throws {
        let (salt, hash) = try CredentialRules.tokenHash(admin: admin, token: token)
        let now = Date().timeIntervalSince1970
        let inserted = try await pool.rows(
            """
            INSERT INTO monitor_tokens (admin, token_salt, token_hash, created_at)
            VALUES (\(admin), \(Data(salt)), \(Data(hash)), \(now))
            ON CONFLICT (admin) DO NOTHING RETURNING id
            """)
        guard !inserted.isEmpty else { throw StorageError.alreadyExists("admin \(admin)") }
    }

    func replaceToken(admin: String, token: String) async throws {
        let (salt, hash) = try CredentialRules.tokenHash(admin: admin, token: token)
        let now = Date().timeIntervalSince1970
        try await pool.rows(
            """
            INSERT INTO monitor_tokens (admin, token_salt, token_hash, created_at)
            VALUES (\(admin), \(Data(salt)), \(Data(hash)), \(now))
            ON CONFLICT (admin) DO UPDATE SET token_salt = excluded.token_salt, token_hash = excluded.token_hash
            """)
    }

    func deleteToken(admin: String) async throws -> Bool {
        try await pool.transaction { transaction in
            // Locks every admin row, so two deletions at once cannot both see another admin left.
            let admins = try await transaction.rows("SELECT admin FROM monitor_tokens FOR UPDATE").map {
                try $0.decode(String.self)
            }
            guard admins.contains(admin) else { return false }
            guard admins.count > 1 else {
                throw StorageError.invalidValue(
                    "\(admin) is the last admin: add another admin first, or nobody could use the monitor")
            }
            _ = try await transaction.rows("DELETE FROM monitor_tokens WHERE admin = \(admin)")
            return true
        }
    }

    func listTokens() async throws -> [TokenRecord] {
        try await pool.rows("SELECT admin, created_at FROM monitor_tokens ORDER BY admin").map {
            let (admin, created) = try $0.decode((String, Double).self)
            return TokenRecord(admin: admin, createdAt: Date(timeIntervalSince1970: created))
        }
    }

    func admin(forToken token: String) async throws -> String? {
        let rows = try await pool.rows("SELECT admin, token_salt, token_hash FROM monitor_tokens").map {
            let (admin, salt, hash) = try $0.decode((String, Data, Data).self)
            return (admin: admin, salt: [UInt8](salt), hash: [UInt8](hash))
        }
        return CredentialRules.admin(forToken: token, among: rows)
    }
}
