public import Foundation
import Migrations

/// One schema migration: a version, a name and its SQL.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    /// Parses `NNNN_name.sql`; nil for any other file name.
    public init?(fileName: String, sql: String) {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0 else {
            return nil
        }
        self.version = version
        self.name = String(stem[stem.index(after: underscore)...])
        self.sql = sql
    }
}

/// What a migration run did.
public struct MigrationReport: Sendable, Equatable {
    /// The schema version before the run (0 for a new database).
    public let previousVersion: Int
    /// The versions applied by this run, in order.
    public let applied: [Int]
    /// True when the database had no schema before this run.
    public var wasNew: Bool { previousVersion == 0 }

    public init(previousVersion: Int, applied: [Int]) {
        self.previousVersion = previousVersion
        self.applied = applied
    }
}

/// Applies the embedded migrations in order, each in its own transaction, and records them in
/// `schema_migrations`; refuses a database whose schema is newer than the migrations it knows.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// The migrations embedded in this binary.
    public static let embedded = Migrator(
        migrations: EmbeddedMigrations.all.compactMap { Migration(fileName: $0.fileName, sql: $0.sql) })

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// The newest version this binary knows.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Brings `database` up to `latestVersion`.
    @discardableResult
    public func migrate(_ database: Database, now: Date = Date()) throws -> MigrationReport {
        try database.withWriter { connection in
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at REAL NOT NULL
                )
                """)
            let current = try connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].int(0)
            guard current <= latestVersion else {
                throw StorageError.databaseTooNew(found: current, known: latestVersion)
            }
            var applied: [Int] = []
            for migration in migrations where migration.version > current {
                do {
                    try connection.transaction {
                        try connection.execute(migration.sql)
                        try connection.run(
                            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                            migration.version, migration.name, now.timeIntervalSince1970)
                        try connection.execute("PRAGMA user_version = \(migration.version)")
                    }
                } catch let error as SQLiteError {
                    throw StorageError.migrationFailed(
                        version: migration.version, name: migration.name, reason: error.message)
                }
                applied.append(migration.version)
            }
            return MigrationReport(previousVersion: current, applied: applied)
        }
    }

    /// The versions recorded in the database.
    public func appliedVersions(_ database: Database) throws -> [Int] {
        try database.withWriter { connection in
            try connection.query("SELECT version FROM schema_migrations ORDER BY version").map { $0.int(0) }
        }
    }
}
