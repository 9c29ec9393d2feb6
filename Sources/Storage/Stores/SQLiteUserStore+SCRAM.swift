import Foundation

/// SCRAM verifiers in SQLite (migration 0007).
extension SQLiteUserStore: SCRAMStore {
    func scramCredentials(user: String) async throws -> SCRAMCredentials? {
        try await database.read { connection in
            guard
                let salt = try connection.query(
                    "SELECT s.salt, s.iterations FROM scram_salts s JOIN users u ON u.id = s.user_id WHERE u.name = ?",
                    user
                ).first
            else { return nil }
            let verifiers = try connection.query(
                """
                SELECT v.stored_key, v.server_key FROM scram_verifiers v JOIN users u ON u.id = v.user_id
                WHERE u.name = ? ORDER BY v.id
                """, user
            ).map {
                SCRAMVerifier(storedKey: SCRAMColumn.decode($0.string(0)), serverKey: SCRAMColumn.decode($0.string(1)))
            }
            return SCRAMCredentials(
                salt: SCRAMColumn.decode(salt.string(0)), iterations: salt.int(1), verifiers: verifiers)
        }
    }

    func keepSCRAMVerifier(user: String, password: [UInt8], iterations: Int) async throws {
        // Most logins find their verifier already there: a read, no write.
        if let existing = try await scramCredentials(user: user) {
            let derived = try SCRAMVerifier.derive(
                password: password, salt: existing.salt, iterations: existing.iterations)
            if existing.verifiers.contains(where: { $0.storedKey == derived.storedKey }) { return }
        }
        let fresh = SCRAMColumn.encode(SCRAMColumn.randomBytes(SCRAMVerifier.saltLength))
        let salted = try await database.write { connection -> (String, Int)? in
            try connection.run(
                "INSERT OR IGNORE INTO scram_salts (user_id, salt, iterations) SELECT id, ?, ? FROM users WHERE name = ?",
                fresh, iterations, user)
            return try connection.query(
                "SELECT s.salt, s.iterations FROM scram_salts s JOIN users u ON u.id = s.user_id WHERE u.name = ?", user
            ).first.map { ($0.string(0), $0.int(1)) }
        }
        guard let (salt, count) = salted else { return }
        // PBKDF2 runs here, on the caller's thread, never on the database's writer.
        let verifier = try SCRAMVerifier.derive(password: password, salt: SCRAMColumn.decode(salt), iterations: count)
        let lookup = AppPasswordFormat.lookup(of: password)
        try await database.write { connection in
            let appID =
                try lookup.flatMap {
                    try connection.query(
                        """
                        SELECT a.id FROM app_passwords a JOIN users u ON u.id = a.user_id
                        WHERE u.name = ? AND a.lookup = ? ORDER BY a.id LIMIT 1
                        """, user, $0
                    ).first?.int64(0)
                }
            if appID == nil {
                // One verifier for the password: a new one replaces the old.
                try connection.run(
                    """
                    DELETE FROM scram_verifiers WHERE app_password_id IS NULL
                    AND user_id = (SELECT id FROM users WHERE name = ?) AND stored_key <> ?
                    """, user, SCRAMColumn.encode(verifier.storedKey))
            }
            try connection.run(
                """
                INSERT OR IGNORE INTO scram_verifiers (user_id, app_password_id, stored_key, server_key)
                SELECT id, ?, ?, ? FROM users WHERE name = ?
                """, appID, SCRAMColumn.encode(verifier.storedKey), SCRAMColumn.encode(verifier.serverKey), user)
        }
    }

    func forgetSCRAMPasswordVerifier(user: String) async throws {
        try await database.write { connection in
            try connection.run(
                """
                DELETE FROM scram_verifiers WHERE app_password_id IS NULL
                AND user_id = (SELECT id FROM users WHERE name = ?)
                """, user)
        }
    }

    func scramSecret() async throws -> [UInt8] {
        let fresh = SCRAMColumn.encode(SCRAMColumn.randomBytes(32))
        return try await database.write { connection in
            try connection.run("INSERT OR IGNORE INTO scram_secret (id, secret) VALUES (1, ?)", fresh)
            return SCRAMColumn.decode(
                try connection.query("SELECT secret FROM scram_secret WHERE id = 1").first?.string(0) ?? fresh)
        }
    }
}
