import Foundation
import PostgresNIO
import Storage

/// Users in PostgreSQL, with the same hashing and rules as the SQLite store (`PasswordVerifier`,
/// `CredentialRules`).
final class PostgresUserStore: UserStore {
    let pool: PostgresPool
    let passwords: PasswordVerifier

    init(pool: PostgresPool, passwords: PasswordVerifier) {
        self.pool = pool
        self.passwords = passwords
    }

    func createUser(name: String, password: String) async throws {
        try CredentialRules.validateUserName(name)
        try await insert(name: name, hash: try await passwords.hash(password))
    }

    func importUser(name: String, passwordHash: String) async throws {
        try CredentialRules.validateImport(name: name, passwordHash: passwordHash)
        try await insert(name: name, hash: passwordHash)
    }

    private func insert(name: String, hash: String) async throws {
        let now = Date().timeIntervalSince1970
        let inserted = try await pool.rows(
            """
            INSERT INTO users (name, password_hash, created_at, updated_at) VALUES (\(name), \(hash), \(now), \(now))
            ON CONFLICT (name) DO NOTHING RETURNING id
            """)
        guard !inserted.isEmpty else { throw StorageError.alreadyExists("user \(name)") }
    }

    func deleteUser(name: String) async throws -> Bool {
        try await !pool.rows("DELETE FROM users WHERE name = \(name) RETURNING id").isEmpty
    }

    func listUsers() async throws -> [UserRecord] {
        try await pool.rows("SELECT name, created_at FROM users ORDER BY name").map {
            let (name, created) = try $0.decode((String, Double).self)
            return UserRecord(name: name, createdAt: Date(timeIntervalSince1970: created))
        }
    }

    func changePassword(name: String, newPassword: String) async throws -> Bool {
        let hash = try await passwords.hash(newPassword)
        let now = Date().timeIntervalSince1970
        let changed = try await !pool.rows(
            "UPDATE users SET password_hash = \(hash), updated_at = \(now) WHERE name = \(name) RETURNING id"
        ).isEmpty
        // The old password's SCRAM verifier must not outlive it.
        try await forgetSCRAMPasswordVerifier(user: name)
        return changed
    }

    func passwordStamp(name: String) async throws -> String? {
        // The stored hash itself: a new password, a re-hash or a re-created user all change it; and the ids of the
        // app passwords, so a revoked one is never taken from the auth cache.
        try await pool.rows(
            """
            SELECT password_hash || coalesce(
                ' ' || (SELECT string_agg(id::text, ',' ORDER BY id) FROM app_passwords WHERE user_id = users.id), '')
            FROM users WHERE name = \(name)
            """
        ).first?.decode(String.self)
    }

    func verify(name: String, password: [UInt8]) async throws -> PasswordCheck {
        if try await verifyAppPassword(name: name, password: password) { return .valid }
        let stored = try await storedHash(name)
        let (check, rehashed) = try await passwords.check(password, stored: stored) {
            let offset = PasswordVerifier.decoyOffset(for: name)
            return try await pool.rows(
                """
                SELECT password_hash FROM users ORDER BY id
                LIMIT 1 OFFSET \(offset) % greatest(1, (SELECT count(*) FROM users))
                """
            ).first?.decode(String.self)
        }
        if let rehashed, let stored {
            // Only replace the hash we verified: a concurrent password change wins.
            let now = Date().timeIntervalSince1970
            try await pool.rows(
                """
                UPDATE users SET password_hash = \(rehashed), updated_at = \(now)
                WHERE name = \(name) AND password_hash = \(stored)
                """)
        }
        return check
    }

    private func storedHash(_ name: String) async throws -> String? {
        try await pool.rows("SELECT password_hash FROM users WHERE name = \(name)").first?.decode(String.self)
    }
}
