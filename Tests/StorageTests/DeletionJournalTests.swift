import Foundation
import Testing

@testable import Storage

@Suite("Deletion journal")
struct DeletionJournalTests {
    @Test func pendingCommittingDoneAndRset() async throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        let journal = storage.stores.journal
        try await journal.addPending(session: "s1", user: "bob", baseName: "m1", fileName: "m1:2,")
        try await journal.addPending(session: "s1", user: "bob", baseName: "m2", fileName: "m2:2,S")
        try await journal.addPending(session: "s2", user: "eve", baseName: "m9", fileName: "m9:2,")
        try await journal.clearPending(session: "s2")  // RSET
        #expect(try await journal.countsByState() == [.pending: 2, .committing: 0, .done: 0])
        let committing = try await journal.markCommitting(session: "s1")
        #expect(committing.map(\.baseName) == ["m1", "m2"])
        #expect(committing.allSatisfy { $0.state == .committing && $0.user == "bob" })
        try await journal.clearPending(session: "s1")  // RSET after QUIT's mark must not touch committing rows
        try await journal.markDone(ids: committing.map(\.id))
        #expect(try await journal.countsByState() == [.pending: 0, .committing: 0, .done: 2])
    }

    @Test func recoveryDiscardsPendingFinishesCommittingAndKeepsDone() async throws {
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
            try await journal.addPending(session: "old", user: "u", baseName: "old", fileName: "old")
            try await journal.markDone(ids: try journal.markCommitting(session: "old").map(\.id))
            try FileManager.default.removeItem(at: mail.appendingPathComponent("old"))
            try await journal.addPending(session: "A", user: "u", baseName: "kept", fileName: "kept")
            try await journal.addPending(session: "B", user: "u", baseName: "quit1", fileName: "quit1")
            try await journal.addPending(session: "B", user: "u", baseName: "quit2", fileName: "quit2")
            _ = try await journal.markCommitting(session: "B")
            storage.close()
        }
        let storage = try SQLiteStorage(path: path, passwordCost: 10)
        defer { storage.close() }
        let report = try await storage.stores.journal.recover { entry in
            let file = mail.appendingPathComponent(entry.fileName)
            if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
        }
        #expect(report == JournalRecoveryReport(discardedPending: 1, finished: 2, failed: 0))
        #expect(FileManager.default.fileExists(atPath: mail.appendingPathComponent("kept").path))
        #expect(!FileManager.default.fileExists(atPath: mail.appendingPathComponent("quit1").path))
        #expect(!FileManager.default.fileExists(atPath: mail.appendingPathComponent("quit2").path))
        #expect(try await storage.stores.journal.countsByState() == [.pending: 0, .committing: 0, .done: 3])
    }

    @Test func aFailedRemovalStaysCommittingForTheNextStart() async throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        let journal = storage.stores.journal
        try await journal.addPending(session: "B", user: "u", baseName: "x", fileName: "x")
        _ = try await journal.markCommitting(session: "B")
        struct DiskFault: Error {}
        let report = try await journal.recover { _ in throw DiskFault() }
        #expect(report.failed == 1)
        #expect(try await journal.countsByState()[.committing] == 1)
        let retry = try await journal.recover { _ in }
        #expect(retry.finished == 1)
    }

    @Test func discardedCommittingRowsAreNotRecoveredLater() async throws {
        let folder = try TemporaryDirectory()
        let storage = try SQLiteStorage(path: folder.path("db.sqlite"), passwordCost: 10)
        defer { storage.close() }
        let journal = storage.stores.journal
        try await journal.addPending(session: "Q", user: "u", baseName: "a", fileName: "a")
        try await journal.addPending(session: "Q", user: "u", baseName: "b", fileName: "b")
        let committing = try await journal.markCommitting(session: "Q")
        try await journal.markDone(ids: [committing[0].id])
        try await journal.discard(ids: [committing[1].id])
        var removedAtRecovery: [String] = []
        let report = try await journal.recover { removedAtRecovery.append($0.baseName) }
        #expect(removedAtRecovery.isEmpty, "a message the client was told stays must never be removed later")
        #expect(report == JournalRecoveryReport(discardedPending: 0, finished: 0, failed: 0))
        #expect(try await journal.countsByState() == [.pending: 0, .committing: 0, .done: 1])
    }
}
