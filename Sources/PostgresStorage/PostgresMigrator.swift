import Foundation
import Logging
import PostgresMigrations
import PostgresNIO
import Storage

/// Applies the embedded PostgreSQL migrations, all in one transaction under a transaction-level advisory lock, so
/// two nodes starting at once on a new database do not race: the second waits, then finds the schema current.
struct PostgresMigrator {
    /// The advisory lock key (pg_advisory_xact_lock's one-bigint form) pop3d's migrations run under.
    static let lockKey: Int64 = 0x706F_7033_6D69_67  // "pop3mig"

    let migrations: [Migration]

    static let embedded = PostgresMigrator(
        migrations: PostgresMigrations.all.compactMap { Migration(fileName: $0.fileName, sql: $0.sql) }
            .sorted { $0.version < $1.version })

    var latestVersion: Int { migrations.last?.version ?? 0 }

    /// A migration file's statements as one statement: postgres-nio sends every query as a prepared statement,
    /// which holds one command, while PL/pgSQL's EXECUTE runs a string of several (dollar-quoted, so the file needs
    /// no escaping; `MigrationTests` checks that no file contains either tag).
    static func script(_ sql: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: "DO \(blockTag) BEGIN EXECUTE \(scriptTag)\(sql)\(scriptTag); END \(blockTag)")
    }

    /// The dollar-quote tag around a migration's text.
    static let scriptTag = "$pop3d_sql$"
    /// The dollar-quote tag around the DO block that executes it.
    static let blockTag = "$pop3d_migration$"

    /// Brings the database up to `latestVersion` on `connection`; `seed` runs in the same transaction when the
    /// database had no schema, so a new database is never seen half made.
    func migrate(
        _ connection: PostgresConnection, logger: Logger, seed: (PostgresConnection) async throws -> Void
    ) async throws -> MigrationReport {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at double precision NOT NULL
                )
                """, logger: logger)
            var current = 0
            for try await version in try await connection.query(
                "SELECT coalesce(max(version), 0)::int8 FROM schema_migrations", logger: logger
            ).decode(Int.self) {
                current = version
            }
            guard current <= latestVersion else {
                throw StorageError.databaseTooNew(found: current, known: latestVersion)
            }
            var applied: [Int] = []
            for migration in migrations where migration.version > current {
                do {
                    try await connection.query(Self.script(migration.sql), logger: logger)
                } catch {
                    throw StorageError.migrationFailed(
                        version: migration.version, name: migration.name,
                        reason: (error as? PSQLError)?.serverInfo?[.message] ?? "\(error)")
                }
                try await connection.query(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(migration.version), \(migration.name), \(Date().timeIntervalSince1970))
                    """, logger: logger)
                applied.append(migration.version)
            }
            if current == 0 { try await seed(connection) }
            return MigrationReport(previousVersion: current, applied: applied)
        }
    }
}
