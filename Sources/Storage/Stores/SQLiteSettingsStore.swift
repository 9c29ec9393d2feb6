import Foundation

/// Run-time settings in SQLite.
final class SQLiteSettingsStore: SettingsStore {
    private let database: Database

    init(database: Database) {
        self.database = database
    }

    func value(for key: SettingKey) async throws -> String? {
        try await database.read { connection in
            try connection.query("SELECT value FROM settings WHERE key = ?", key.rawValue).first?.string(0)
        }
    }

    func setValue(_ value: String, for key: SettingKey) async throws {
        try await database.write { connection in
            try connection.run(
                """
                INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, key.rawValue, value, Date().timeIntervalSince1970)
        }
    }

    func allSettings() async throws -> [SettingKey: String] {
        try await database.read { connection in
            // Keys this version does not know (written by a newer one) are left out.
            Dictionary(
                try connection.query("SELECT key, value FROM settings").compactMap { row in
                    SettingKey(rawValue: row.string(0)).map { ($0, row.string(1)) }
                },
                uniquingKeysWith: { _, last in last })
        }
    }
}
