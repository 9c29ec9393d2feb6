import Foundation
import Testing

@testable import Storage

@Suite("Deletion journal")
struct DeletionJournalTests {
    @Test func pendingCommittingDoneAndRset() throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        let journal = storage.stores.journal
        try journal.addPending(session: "s1", user: "bob", baseName: "m1", fileName: "m1:2,")
        try journal.addPending(session: "s1", user: "bob", baseName: "m2", fileName: "m2:2,S")
        try journal.addPending(session: "s2", user: "eve", baseName: "m9", fileName: "m9:2,")
        try journal.clearPending(session: "s2")  // RSET
        #expect(try journal.countsByState() == [.pending: 2, .committing: 0, .done: 0])
        let committing = try journal.markCommitting(session: "s1")
        #expect(committing.map(\.baseName) == ["m1", "m2"])
        #expect(committing.allSatisfy { $0.state == .committing && $0.user == "bob" })
        try journal.clearPending(session: "s1")  // RSET after QUIT's mark must not touch committing rows
        try journal.markDone(ids: committing.map(\.id))
        #expect(try journal.countsByState() == [.pending: 0, .committing: 0, .done: 2])
    }

    @Test func recoveryDiscardsPendingFinishesCommittingAndKeepsDone() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("db.sqlite")
        let mail = folder.url.appendingPathComponent("mail")
        try FileManager.default.createDirectory(at: mail, withIntermediateDirectories: true)
        for name in ["kept", "quit1", "quit2", "old"] {
            try Data("message \(name)\n".utf8).write(to: mail.appendingPathComponent(name))
        }
        do {
            // A server that died: session A only said DELE; session B said QUIT and was killed before unlinking.
            let storage = try SQLiteStorage(path: path, passwordCost: 10)
            let journal = storage.stores.journal
            try journal.addPending(session: "old", user: "u", baseName: "old", fileName: "old")
            try journal.markDone(ids: try journal.markCommitting(session: "old").map(\.id))
            try FileManager.default.removeItem(at: mail.appendingPathComponent("old"))
            try journal.addPending(session: "A", user: "u", baseName: "kept", fileName: "kept")
            try journal.addPending(session: "B", user: "u", baseName: "quit1", fileName: "quit1")
            try journal.addPending(session: "B", user: "u", baseName: "quit2", fileName: "quit2")
            _ = try journal.markCommitting(session: "B")
            storage.close()
        }
        let storage = try SQLiteStorage(path: path, passwordCost: 10)
        defer { storage.close() }
        let report = try storage.stores.journal.recover { entry in
            let file = mail.appendingPathComponent(entry.fileName)
            if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
        }
        #expect(report == JournalRecoveryReport(discardedPending: 1, finished: 2, failed: 0))
        #expect(FileManager.default.fileExists(atPath: mail.appendingPathComponent("kept").path))
        #expect(!FileManager.default.fileExists(atPath: mail.appendingPathComponent("quit1").path))
        #expect(!FileManager.default.fileExists(atPath: mail.appendingPathComponent("quit2").path))
        #expect(try storage.stores.journal.countsByState() == [.pending: 0, .committing: 0, .done: 3])
    }

    @Test func aFailedRemovalStaysCommittingForTheNextStart() throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        let journal = storage.stores.journal
        try journal.addPending(session: "B", user: "u", baseName: "x", fileName: "x")
        _ = try journal.markCommitting(session: "B")
        struct DiskFault: Error {}
        let report = try journal.recover { _ in throw DiskFault() }
        #expect(report.failed == 1)
        #expect(try journal.countsByState()[.committing] == 1)
        let retry = try journal.recover { _ in }
        #expect(retry.finished == 1)
    }

    @Test func discardedCommittingRowsAreNotRecoveredLater() throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        let journal = storage.stores.journal
        try journal.addPending(session: "Q", user: "u", baseName: "a", fileName: "a")
        try journal.addPending(session: "Q", user: "u", baseName: "b", fileName: "b")
        let committing = try journal.markCommitting(session: "Q")
        try journal.markDone(ids: [committing[0].id])
        try journal.discard(ids: [committing[1].id])
        var removedAtRecovery: [String] = []
        let report = try journal.recover { removedAtRecovery.append($0.baseName) }
        #expect(removedAtRecovery.isEmpty, "a message the client was told stays must never be removed later")
        #expect(report == JournalRecoveryReport(discardedPending: 0, finished: 0, failed: 0))
        #expect(try journal.countsByState() == [.pending: 0, .committing: 0, .done: 1])
    }
}
