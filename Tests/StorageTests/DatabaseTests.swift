import Foundation
import Testing

@testable import Storage

/// SQLite only: the `Database` wrapper itself, its file, its modes and what another process sees of it.
@Suite("Database")
struct DatabaseTests {
    @Test func typedValuesRoundTrip() async throws {
        let folder = try TemporaryDirectory()
        let database = try Database(path: folder.path("db.sqlite"))
        defer { database.close() }
        let row = try await database.write { connection in
            try connection.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)")
            try connection.run(
                "INSERT INTO t VALUES (?, ?, ?, ?, ?)", Int64.max, 2.5, "héllo", [0, 1, 255] as [UInt8],
                SQLiteValue.null)
            return try connection.query("SELECT i, r, s, b, n FROM t")[0]
        }
        #expect(row.int64(0) == Int64.max)
        #expect(row.double(1) == 2.5)
        #expect(row.string(2) == "héllo")
        #expect(row.blob(3) == [0, 1, 255])
        #expect(row.isNull(4))
    }

    @Test func aThrowingTransactionRollsBack() async throws {
        let folder = try TemporaryDirectory()
        let database = try Database(path: folder.path("db.sqlite"))
        defer { database.close() }
        try await database.write { try $0.execute("CREATE TABLE t (x)") }
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await database.write { connection in
                try connection.run("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(try await database.read { try $0.query("SELECT count(*) FROM t")[0].int(0) } == 0)
    }

    @Test func errorsCarrySQLitesCodeAndMessage() async throws {
        let folder = try TemporaryDirectory()
        let database = try Database(path: folder.path("db.sqlite"))
        defer { database.close() }
        do {
            try await database.read { try $0.run("SELECT * FROM missing_table") }
            Issue.record("expected an error")
        } catch StorageError.sqlite(let error) {
            #expect(error.primaryCode == 1)
            #expect(error.message.contains("missing_table"))
        }
    }

    @Test func aCorruptFileGivesAClearError() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("corrupt.sqlite")
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        do {
            _ = try SQLiteStorage(path: path, passwordCost: 10)
            Issue.record("a corrupt file must not open")
        } catch let error as StorageError {
            guard case .cannotOpen(let failedPath, let reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(failedPath == path)
            #expect(reason.contains("not a database"))
        }
    }

    @Test func anUnreachablePathGivesAClearError() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("no/such/folder/db.sqlite")
        #expect(throws: StorageError.self) { try SQLiteStorage(path: path, passwordCost: 10) }
        let error = StorageError.cannotOpen(path: path, reason: "No such file or directory")
        #expect(error.description.contains(path))
    }

    @Test func theFileAndItsWALAreOwnerOnly() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("db.sqlite")
        let storage = try SQLiteStorage(path: path, passwordCost: 10)
        defer { storage.close() }
        for file in [path, path + "-wal"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
            #expect(mode & 0o077 == 0, "\(file) has mode \(String(mode, radix: 8))")
        }
        #expect(try storage.database.integrityCheck() == "ok")
    }

    @Test func aClosedDatabaseThrowsInsteadOfCrashing() async throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        storage.close()
        await #expect(throws: StorageError.self) { try await storage.stores.users.listUsers() }
    }

    /// Reads run on a second connection. Opening it must not disturb the writer's file locks (closing any descriptor
    /// of the file drops all of this process's POSIX locks): another process, such as an operator's `sqlite3`
    /// shell, must go on seeing every committed write.
    @Test func writesAfterReadsStayVisibleToAnotherProcess() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("db.sqlite")
        let storage = try SQLiteStorage(path: path, passwordCost: 10)
        defer { storage.close() }
        let journal = storage.stores.journal
        _ = try await storage.stores.users.listUsers()  // opens the reader connection
        try await journal.addPending(session: "s", user: "foo", baseName: "m1", fileName: "m1:2,")
        #expect(try Self.sqlite3(path, "SELECT state FROM deletion_journal") == "pending")
        let entries = try await journal.markCommitting(session: "s")
        _ = try await journal.countsByState()  // a read between two writes
        try await journal.markDone(ids: entries.map(\.id))
        #expect(try Self.sqlite3(path, "SELECT state FROM deletion_journal") == "done")
    }

    /// What the `sqlite3` shell prints for `sql`, trimmed; throws when it fails.
    static func sqlite3(_ path: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", "-bail", path, sql]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StorageError.invalidValue("sqlite3 failed: \(sql)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
