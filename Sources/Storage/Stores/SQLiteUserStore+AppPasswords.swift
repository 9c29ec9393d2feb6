import Foundation

/// App passwords in SQLite (`app_passwords`, one row each, the user's row its parent): the user store keeps them,
/// since its `verify` and `passwordStamp` must see them.
extension SQLiteUserStore: AppPasswordStore {
    func addAppPassword(user: String, label: String) async throws -> String {
        try AppPasswordFormat.validateLabel(label)
        let password = AppPasswordFormat.generate()
        let lookup = AppPasswordFormat.lookup(of: Array(password.utf8)) ?? ""
        let hash = try await passwords.hash(password)
        let now = Date().timeIntervalSince1970
        try await database.write { connection in
            guard let id = try connection.query("SELECT id FROM users WHERE name = ?", user).first?.int64(0) else {
                throw StorageError.invalidValue("no user \(user)")
            }
            guard try connection.query("SELECT 1 FROM app_passwords WHERE user_id = ? AND label = ?", id, label).isEmpty
            else { throw StorageError.alreadyExists("app password \(label) of \(user)") }
            let count = try connection.query("SELECT count(*) FROM app_passwords WHERE user_id = ?", id).first?.int64(0)
            guard (count ?? 0) < AppPasswordFormat.maximumPerUser else {
                throw StorageError.invalidValue("\(user) has \(AppPasswordFormat.maximumPerUser) app passwords already")
            }
            try connection.run(
                "INSERT INTO app_passwords (user_id, label, lookup, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                id, label, lookup, hash, now)
        }
        return password
    }

    func listAppPasswords(user: String) async throws -> [AppPasswordRecord]? {
        try await database.read { connection in
            guard let id = try connection.query("SELECT id FROM users WHERE name = ?", user).first?.int64(0) else {
                return nil
            }
            return try connection.query(
                "SELECT label, created_at, last_used_at FROM app_passwords WHERE user_id = ? ORDER BY label", id
            ).map {
                AppPasswordRecord(
                    label: $0.string(0), createdAt: Date(timeIntervalSince1970: $0.double(1)),
                    lastUsedAt: $0.isNull(2) ? nil : Date(timeIntervalSince1970: $0.double(2)))
            }
        }
    }

    func revokeAppPassword(user: String, label: String) async throws -> Bool {
        try await database.write { connection in
            try connection.run(
                "DELETE FROM app_passwords WHERE label = ? AND user_id = (SELECT id FROM users WHERE name = ?)",
                label, user)
            return connection.changes > 0
        }
    }

    /// Whether `password` is one of `name`'s app passwords (the one its lookup key names); a match is stamped as
    /// used.
    func verifyAppPassword(name: String, password: [UInt8]) async throws -> Bool {
        guard let lookup = AppPasswordFormat.lookup(of: password) else { return false }
        let candidates = try await database.read { connection in
            try connection.query(
                """
                SELECT a.id, a.password_hash FROM app_passwords a JOIN users u ON u.id = a.user_id
                WHERE u.name = ? AND a.lookup = ?
                """, name, lookup
            ).map { ($0.int64(0), $0.string(1)) }
        }
        for (id, hash) in candidates where try await passwords.matches(password, hash: hash) {
            try await database.write { connection in
                try connection.run(
                    "UPDATE app_passwords SET last_used_at = ? WHERE id = ?", Date().timeIntervalSince1970, id)
            }
            return true
        }
        return false
    }
}
