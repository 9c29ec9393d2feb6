import Foundation
import Migrations
import PostgresMigrations
import Testing

@testable import PostgresStorage
@testable import Storage

@Suite("Migrations")
struct MigrationTests {
    @Test(arguments: BackendKind.available)
    func applyOnAnEmptyDatabaseAndNotAgainOnReopen(kind: BackendKind) async throws {
        let known = Self.knownVersions(kind)
        try await TestStorage.with(kind) { database in
            let first = try await database.open()
            #expect(first.migrationReport.wasNew)
            #expect(first.migrationReport.applied == known)
            await database.close(first)

            let second = try await database.open()
            #expect(!second.migrationReport.wasNew)
            #expect(second.migrationReport.previousVersion == known.last)
            #expect(second.migrationReport.applied.isEmpty)
            let recorded = try await database.rows("SELECT version FROM schema_migrations ORDER BY version")
            #expect(recorded == known.map { [String($0)] })
        }
    }

    @Test func everyMigrationFileOnDiskIsEmbeddedAndApplied() throws {
        let onDisk = try Self.files(in: "Migrations")
        #expect(!onDisk.isEmpty)
        #expect(
            EmbeddedMigrations.all.map(\.fileName) == onDisk.map(\.name), "list every Migrations/*.sql in Package.swift"
        )
        for file in onDisk {
            let embedded = try #require(EmbeddedMigrations.all.first { $0.fileName == file.name })
            #expect(embedded.sql == file.text, "\(file.name) differs from its embedded copy: rebuild")
        }
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        let versions = onDisk.compactMap { Migration(fileName: $0.name, sql: "")?.version }
        #expect(try Migrator.embedded.appliedVersions(storage.database) == versions)
    }

    /// PostgreSQL's migrations: each embedded (Package.swift and PostgresMigrations.swift), and none holding the
    /// dollar-quote tags `PostgresMigrator.script` wraps it in, which would end its text early.
    @Test func everyPostgreSQLMigrationFileOnDiskIsEmbeddedAndQuotable() throws {
        let onDisk = try Self.files(in: "Migrations/postgresql")
        #expect(!onDisk.isEmpty)
        #expect(
            PostgresMigrations.all.map(\.fileName) == onDisk.map(\.name),
            "list every Migrations/postgresql/*.sql in Package.swift and PostgresMigrations.swift")
        for file in onDisk {
            let embedded = try #require(PostgresMigrations.all.first { $0.fileName == file.name })
            #expect(embedded.sql == file.text, "\(file.name) differs from its embedded copy: rebuild")
            for tag in [PostgresMigrator.scriptTag, PostgresMigrator.blockTag] {
                #expect(!file.text.contains(tag), "\(file.name) contains \(tag), the tag its text is quoted with")
            }
        }
        let versions = onDisk.compactMap { Migration(fileName: $0.name, sql: "")?.version }
        #expect(PostgresMigrator.embedded.migrations.map(\.version) == versions)
        // Numbers are assigned per change, so a branch may skip some; they still only ever grow.
        #expect(versions == versions.sorted() && Set(versions).count == versions.count, "versions only grow")
    }

    @Test(arguments: BackendKind.available)
    func aDatabaseFromANewerBinaryIsRefused(kind: BackendKind) async throws {
        let latest = try #require(Self.knownVersions(kind).last)
        try await TestStorage.with(kind) { database in
            let storage = try await database.open()
            try await database.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)")
            await database.close(storage)
            await #expect(throws: StorageError.databaseTooNew(found: 9999, known: latest)) {
                try await database.open()
            }
        }
        let message = StorageError.databaseTooNew(found: 9999, known: 1).description
        #expect(message.contains("newer pop3d"))
    }

    /// SQLite only: a `Migrator` of made-up files on a bare `Database`.
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

    /// The schema versions a backend's migrations bring a database to, in order.
    static func knownVersions(_ kind: BackendKind) -> [Int] {
        switch kind {
        case .sqlite: Migrator.embedded.migrations.map(\.version)
        case .postgresql: PostgresMigrator.embedded.migrations.map(\.version)
        }
    }

    /// The `.sql` files in a folder of the repository, by name, with their text.
    static func files(in folder: String) throws -> [(name: String, text: String)] {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".sql") }.sorted()
            .map { ($0, try String(contentsOf: url.appendingPathComponent($0), encoding: .utf8)) }
    }
}
