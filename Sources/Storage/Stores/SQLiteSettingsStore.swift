import Foundation

/// Run-time settings in SQLite.
final class SQLiteSettingsStore: SettingsStore {
    private let database: Database

    init(database: Database) {
        self.database = database
    }

    func value(forKey key: String) throws -> String? {
        try database.read { connection in
            try connection.query("SELECT value FROM settings WHERE key = ?", key).first?.string(0)
        }
    }

    func setValue(_ value: String, forKey key: String) throws {
        try database.write { connection in
            try connection.run(
                """
                INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, key, value, Date().timeIntervalSince1970)
        }
    }

    func allSettings() throws -> [String: String] {
        try database.read { connection in
            Dictionary(
                try connection.query("SELECT key, value FROM settings").map { ($0.string(0), $0.string(1)) },
                uniquingKeysWith: { _, last in last })
        }
    }
}
