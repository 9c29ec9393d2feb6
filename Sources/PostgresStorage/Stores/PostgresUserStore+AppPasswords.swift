import Foundation
import PostgresNIO
import Storage

/// App passwords in PostgreSQL: the same rows and rules as SQLite's.
extension PostgresUserStore: AppPasswordStore {
    func addAppPassword(user: String, label: String) async throws -> String {
        try AppPasswordFormat.validateLabel(label)
        let password = AppPasswordFormat.generate()
        let lookup = AppPasswordFormat.lookup(of: Array(password.utf8)) ?? ""
        let hash = try await passwords.hash(password)
        let now = Date().timeIntervalSince1970
        let count = try await pool.rows(
            "SELECT count(*) FROM app_passwords a JOIN users u ON u.id = a.user_id WHERE u.name = \(user)"
        ).first?.decode(Int64.self)
        guard (count ?? 0) < AppPasswordFormat.maximumPerUser else {
            throw StorageError.invalidValue("\(user) has \(AppPasswordFormat.maximumPerUser) app passwords already")
        }
        let inserted = try await pool.rows(
            """
            INSERT INTO app_passwords (user_id, label, lookup, password_hash, created_at)
            SELECT id, \(label), \(lookup), \(hash), \(now) FROM users WHERE name = \(user)
            ON CONFLICT (user_id, label) DO NOTHING RETURNING id
            """)
        guard inserted.isEmpty else { return password }
        guard try await !pool.rows("SELECT id FROM users WHERE name = \(user)").isEmpty else {
            throw StorageError.invalidValue("no user \(user)")
        }
        throw StorageError.alreadyExists("app password \(label) of \(user)")
    }

    func listAppPasswords(user: String) async throws -> [AppPasswordRecord]? {
        guard try await !pool.rows("SELECT id FROM users WHERE name = \(user)").isEmpty else { return nil }
        return try await pool.rows(
            """
            SELECT a.label, a.created_at, a.last_used_at FROM app_passwords a JOIN users u ON u.id = a.user_id
            WHERE u.name = \(user) ORDER BY a.label
            """
        ).map {
            let (label, created, used) = try $0.decode((String, Double, Double?).self)
            return AppPasswordRecord(
                label: label, createdAt: Date(timeIntervalSince1970: created),
                lastUsedAt: used.map { Date(timeIntervalSince1970: $0) })
        }
    }

    func revokeAppPassword(user: String, label: String) async throws -> Bool {
        try await !pool.rows(
            """
            DELETE FROM app_passwords WHERE label = \(label) AND user_id = (SELECT id FROM users WHERE name = \(user))
            RETURNING id
            """
        ).isEmpty
    }

    /// Whether `password` is one of `name`'s app passwords; a match is stamped as used.
    func verifyAppPassword(name: String, password: [UInt8]) async throws -> Bool {
        guard let lookup = AppPasswordFormat.lookup(of: password) else { return false }
        let candidates = try await pool.rows(
            """
            SELECT a.id, a.password_hash FROM app_passwords a JOIN users u ON u.id = a.user_id
            WHERE u.name = \(name) AND a.lookup = \(lookup)
            """
        ).map { try $0.decode((Int64, String).self) }
        for (id, hash) in candidates where try await passwords.matches(password, hash: hash) {
            let now = Date().timeIntervalSince1970
            try await pool.rows("UPDATE app_passwords SET last_used_at = \(now) WHERE id = \(id)")
            return true
        }
        return false
    }
}
