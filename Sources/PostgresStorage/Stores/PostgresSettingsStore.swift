import Foundation
import PostgresNIO
import Storage

/// Run-time settings in PostgreSQL, shared by every node.
final class PostgresSettingsStore: SettingsStore {
    private let pool: PostgresPool

    init(pool: PostgresPool) {
        self.pool = pool
    }

    func value(for key: SettingKey) async throws -> String? {
        try await pool.rows("SELECT value FROM settings WHERE key = \(key.rawValue)").first?.decode(String.self)
    }

    func setValue(_ value: String, for key: SettingKey) async throws {
        let now = Date().timeIntervalSince1970
        try await pool.rows(
            """
            INSERT INTO settings (key, value, updated_at) VALUES (\(key.rawValue), \(value), \(now))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """)
    }

    func allSettings() async throws -> [SettingKey: String] {
        // Keys this version does not know (written by a newer one) are left out.
        var settings: [SettingKey: String] = [:]
        for row in try await pool.rows("SELECT key, value FROM settings") {
            let (key, value) = try row.decode((String, String).self)
            if let known = SettingKey(rawValue: key) { settings[known] = value }
        }
        return settings
    }
}
