import Foundation
import Testing

@testable import Storage

/// `SQLiteStateReader`, the source side of `pop3d migrate`: batches, filters and refusals.
@Suite("SQLite state reader")
struct StateReaderTests {
    @Test func batchesCoverEveryRowOnceAtAnySize() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("db.sqlite")
        let storage = try SQLiteStorage(path: path, passwordCost: 10, firstRun: .quickStart)
        for index in 1...4 { try await storage.stores.users.createUser(name: "user\(index)", password: "pw \(index)") }
        let hash = try #require(try await storage.stores.users.passwordStamp(name: "user2"))
        storage.close()

        let reader = try await SQLiteStateReader.open(path: path)
        // 5 users: batches of 2 end with a short one; batches of 5 end exactly, and the next read must not restart.
        for (size, expected) in [(2, [2, 2, 1]), (5, [5]), (10, [5])] {
            var sizes: [Int] = []
            var names: [String] = []
            try await reader.forEachBatch(of: .users, size: size) { batch in
                guard case .users(let rows) = batch else { throw StorageError.invalidValue("not users: \(batch)") }
                sizes.append(rows.count)
                names += rows.map(\.name)
            }
            #expect(sizes == expected, "size \(size)")
            #expect(names == ["foo", "user1", "user2", "user3", "user4"], "size \(size)")
        }
        var copied: [StateRows.User] = []
        try await reader.forEachBatch(of: .users) { batch in
            if case .users(let rows) = batch { copied += rows }
        }
        #expect(copied.first { $0.name == "user2" }?.passwordHash == hash, "the hash as stored")
        #expect(try await reader.count(.users) == 5)
        #expect(try await reader.count(.monitorTokens) == 1)
        await reader.close()
    }

    @Test func theJournalCountsOnlyDoneRowsAndReportsTheOthers() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("db.sqlite")
        let storage = try SQLiteStorage(path: path, passwordCost: 10)
        let journal = storage.stores.journal
        try await journal.addPending(session: "done", user: "u", baseName: "m1", fileName: "m1:2,")
        try await journal.markDone(ids: try journal.markCommitting(session: "done").map(\.id))
        try await journal.addPending(session: "open", user: "u", baseName: "m2", fileName: "m2:2,")
        storage.close()

        let reader = try await SQLiteStateReader.open(path: path)
        #expect(try await reader.journalStates() == [.pending: 1, .committing: 0, .done: 1])
        #expect(try await reader.count(.deletionJournal) == 1)
        var rows: [StateRows.Deletion] = []
        try await reader.forEachBatch(of: .deletionJournal) { batch in
            if case .deletionJournal(let batchRows) = batch { rows += batchRows }
        }
        #expect(rows.map(\.baseName) == ["m1"])
        await reader.close()
    }

    @Test func aMissingFileIsAnErrorAndIsNotCreated() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("absent.sqlite")
        await #expect(throws: StorageError.self) { try await SQLiteStateReader.open(path: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func anOlderSchemaIsRefusedWithWhatToDo() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("old.sqlite")
        let database = try Database(path: path)
        try Migrator(migrations: Array(Migrator.embedded.migrations.prefix(1))).migrate(database)
        database.close()
        do {
            _ = try await SQLiteStateReader.open(path: path)
            Issue.record("an old schema was accepted")
        } catch {
            #expect("\(error)".contains("schema version 1"), "\(error)")
            #expect("\(error)".contains("start this pop3d on it once"), "\(error)")
        }
    }
}
