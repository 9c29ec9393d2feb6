import Foundation
import PostgresNIO
import Storage

/// SCRAM verifiers in PostgreSQL: the same rows and rules as SQLite's (migration 0007).
extension PostgresUserStore: SCRAMStore {
    func scramCredentials(user: String) async throws -> SCRAMCredentials? {
        guard
            let row = try await pool.rows(
                "SELECT s.salt, s.iterations FROM scram_salts s JOIN users u ON u.id = s.user_id WHERE u.name = \(user)"
            ).first
        else { return nil }
        let (salt, iterations) = try row.decode((String, Int32).self)
        let verifiers = try await pool.rows(
            """
            SELECT v.stored_key, v.server_key FROM scram_verifiers v JOIN users u ON u.id = v.user_id
            WHERE u.name = \(user) ORDER BY v.id
            """
        ).map {
            let (stored, server) = try $0.decode((String, String).self)
            return SCRAMVerifier(storedKey: SCRAMColumn.decode(stored), serverKey: SCRAMColumn.decode(server))
        }
        return SCRAMCredentials(salt: SCRAMColumn.decode(salt), iterations: Int(iterations), verifiers: verifiers)
    }

    func keepSCRAMVerifier(user: String, password: [UInt8], iterations: Int) async throws {
        // Most logins find their verifier already there: a read, no write.
        if let existing = try await scramCredentials(user: user) {
            let derived = try SCRAMVerifier.derive(
                password: password, salt: existing.salt, iterations: existing.iterations)
            if existing.verifiers.contains(where: { $0.storedKey == derived.storedKey }) { return }
        }
        let fresh = SCRAMColumn.encode(SCRAMColumn.randomBytes(SCRAMVerifier.saltLength))
        let count = Int32(iterations)
        _ = try await pool.rows(
            """
            INSERT INTO scram_salts (user_id, salt, iterations) SELECT id, \(fresh), \(count) FROM users
            WHERE name = \(user) ON CONFLICT (user_id) DO NOTHING
            """)
        guard
            let row = try await pool.rows(
                "SELECT s.salt, s.iterations FROM scram_salts s JOIN users u ON u.id = s.user_id WHERE u.name = \(user)"
            ).first
        else { return }
        let (salt, stored) = try row.decode((String, Int32).self)
        let verifier = try SCRAMVerifier.derive(
            password: password, salt: SCRAMColumn.decode(salt), iterations: Int(stored))
        var appID: Int64?
        if let lookup = AppPasswordFormat.lookup(of: password) {
            appID = try await pool.rows(
                """
                SELECT a.id FROM app_passwords a JOIN users u ON u.id = a.user_id
                WHERE u.name = \(user) AND a.lookup = \(lookup) ORDER BY a.id LIMIT 1
                """
            ).first?.decode(Int64.self)
        }
        let storedKey = SCRAMColumn.encode(verifier.storedKey)
        let serverKey = SCRAMColumn.encode(verifier.serverKey)
        if appID == nil {
            _ = try await pool.rows(
                """
                DELETE FROM scram_verifiers WHERE app_password_id IS NULL
                AND user_id = (SELECT id FROM users WHERE name = \(user)) AND stored_key <> \(storedKey)
                """)
        }
        _ = try await pool.rows(
            """
            INSERT INTO scram_verifiers (user_id, app_password_id, stored_key, server_key)
            SELECT id, \(appID), \(storedKey), \(serverKey) FROM users WHERE name = \(user)
            ON CONFLICT (user_id, stored_key) DO NOTHING
            """)
    }

    func forgetSCRAMPasswordVerifier(user: String) async throws {
        _ = try await pool.rows(
            """
            DELETE FROM scram_verifiers WHERE app_password_id IS NULL
            AND user_id = (SELECT id FROM users WHERE name = \(user))
            """)
    }

    func scramSecret() async throws -> [UInt8] {
        let fresh = SCRAMColumn.encode(SCRAMColumn.randomBytes(32))
        _ = try await pool.rows(
            "INSERT INTO scram_secret (id, secret) VALUES (1, \(fresh)) ON CONFLICT (id) DO NOTHING")
        let secret = try await pool.rows("SELECT secret FROM scram_secret WHERE id = 1").first?.decode(String.self)
        return SCRAMColumn.decode(secret ?? fresh)
    }
}
