import Foundation
import Migrations
import Testing

@testable import Storage

@Suite("Migrations")
struct MigrationTests {
    @Test func applyOnAnEmptyDatabaseAndNotAgainOnReopen() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("db.sqlite")
        let first = try SQLiteStorage(path: path, passwordCost: 10)
        #expect(first.migrationReport.wasNew)
        #expect(first.migrationReport.applied == Migrator.embedded.migrations.map(\.version))
        first.close()

        let second = try SQLiteStorage(path: path, passwordCost: 10)
        #expect(!second.migrationReport.wasNew)
        #expect(second.migrationReport.applied.isEmpty)
        #expect(try Migrator.embedded.appliedVersions(second.database) == Migrator.embedded.migrations.map(\.version))
        second.close()
    }

    @Test func everyMigrationFileOnDiskIsEmbeddedAndApplied() throws {
        let migrationsFolder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Migrations")
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: migrationsFolder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!onDisk.isEmpty)
        #expect(EmbeddedMigrations.all.map(\.fileName) == onDisk, "list every Migrations/*.sql in Package.swift")
        for file in onDisk {
            let text = try String(contentsOf: migrationsFolder.appendingPathComponent(file), encoding: .utf8)
            let embedded = try #require(EmbeddedMigrations.all.first { $0.fileName == file })
            #expect(embedded.sql == text, "\(file) differs from its embedded copy: rebuild")
        }
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        let versions = onDisk.compactMap { Migration(fileName: $0, sql: "")?.version }
        #expect(try Migrator.embedded.appliedVersions(storage.database) == versions)
    }

    @Test func aDatabaseFromANewerBinaryIsRefused() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("db.sqlite")
        let storage = try SQLiteStorage(path: path, passwordCost: 10)
        try await storage.database.write { connection in
            try connection.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)")
        }
        storage.close()
        #expect(throws: StorageError.databaseTooNew(found: 9999, known: Migrator.embedded.latestVersion)) {
            try SQLiteStorage(path: path, passwordCost: 10)
        }
        let message = StorageError.databaseTooNew(found: 9999, known: 1).description
        #expect(message.contains("newer pop3d"))
    }

    @Test func aFailingMigrationIsRolledBackAndReported() async throws {
        let folder = try TemporaryDirectory()
        let broken = Migrator(migrations: [
            Migration(fileName: "0001_ok.sql", sql: "CREATE TABLE a (x);")!,
            Migration(fileName: "0002_broken.sql", sql: "CREATE TABLE b (y); THIS IS NOT SQL;")!,
        ])
        let database = try Database(path: folder.path("db.sqlite"))
        defer { database.close() }
        #expect(throws: StorageError.self) { try broken.migrate(database) }
        #expect(try broken.appliedVersions(database) == [1])
        let tables = try await database.read { connection in
            try connection.query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'b'")
        }
        #expect(tables.isEmpty, "the failed migration's table must be rolled back")
    }

    @Test func migrationFileNamesAreParsed() {
        #expect(Migration(fileName: "0002_add_index.sql", sql: "")?.version == 2)
        #expect(Migration(fileName: "0002_add_index.sql", sql: "")?.name == "add_index")
        #expect(Migration(fileName: "notes.txt", sql: "") == nil)
        #expect(Migration(fileName: "x_y.sql", sql: "") == nil)
    }
}
