import Foundation

/// Users in SQLite, with scrypt-hashed passwords, hashed and checked by a `PasswordVerifier` on the hashing threads.
final class SQLiteUserStore: UserStore {
    let database: Database
    let passwords: PasswordVerifier

    init(database: Database, passwords: PasswordVerifier) {
        self.database = database
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
        try await database.write { connection in
            guard try connection.query("SELECT 1 FROM users WHERE name = ?", name).isEmpty else {
                throw StorageError.alreadyExists("user \(name)")
            }
            try connection.run(
                "INSERT INTO users (name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)",
                name, hash, now, now)
        }
    }

    func deleteUser(name: String) async throws -> Bool {
        try await database.write { connection in
            try connection.run("DELETE FROM users WHERE name = ?", name)
            return connection.changes > 0
        }
    }

    func listUsers() async throws -> [UserRecord] {
        try await database.read { connection in
            try connection.query("SELECT name, created_at FROM users ORDER BY name").map {
                UserRecord(name: $0.string(0), createdAt: Date(timeIntervalSince1970: $0.double(1)))
            }
        }
    }

    func changePassword(name: String, newPassword: String) async throws -> Bool {
        let hash = try await passwords.hash(newPassword)
        return try await database.write { connection in
            try connection.run(
                "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?",
                hash, Date().timeIntervalSince1970, name)
            let changed = connection.changes > 0
            // The old password's SCRAM verifier must not outlive it.
            try connection.run(
                """
                DELETE FROM scram_verifiers WHERE app_password_id IS NULL
                AND user_id = (SELECT id FROM users WHERE name = ?)
                """, name)
            return changed
        }
    }

    func passwordStamp(name: String) async throws -> String? {
        // The stored hash itself: a new password, a re-hash or a re-created user all change it; and the ids of the
        // app passwords, so a revoked one is never taken from the auth cache.
        try await database.read { connection in
            try connection.query(
                """
                SELECT password_hash || coalesce(
                    ' ' || (SELECT group_concat(id) FROM (SELECT id FROM app_passwords WHERE user_id = users.id ORDER BY id)),
                    '')
                FROM users WHERE name = ?
                """, name
            ).first?.string(0)
        }
    }

    func verify(name: String, password: [UInt8]) async throws -> PasswordCheck {
        if try await verifyAppPassword(name: name, password: password) { return .valid }
        let stored = try await database.read { connection in
            try connection.query("SELECT password_hash FROM users WHERE name = ?", name).first?.string(0)
        }
        let (check, rehashed) = try await passwords.check(password, stored: stored) {
            try await database.read { connection in
                try connection.query(
                    "SELECT password_hash FROM users ORDER BY id LIMIT 1 OFFSET ? % max(1, (SELECT count(*) FROM users))",
                    PasswordVerifier.decoyOffset(for: name)
                ).first?.string(0)
            }
        }
        if let rehashed, let stored {
            try await database.write { connection in
                // Only replace the hash we verified: a concurrent password change wins.
                try connection.run(
                    "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ? AND password_hash = ?",
                    rehashed, Date().timeIntervalSince1970, name, stored)
            }
        }
        return check
    }
}
