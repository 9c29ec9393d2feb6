import Foundation
import Testing

@testable import Storage

@Suite("Deletion journal")
struct DeletionJournalTests {
    @Test(arguments: BackendKind.available)
    func pendingCommittingDoneAndRset(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let journal = try await database.open().stores.journal
            try await journal.addPending(session: "s1", user: "bob", baseName: "m1", fileName: "m1:2,")
            try await journal.addPending(session: "s1", user: "bob", baseName: "m2", fileName: "m2:2,S")
            try await journal.addPending(session: "s2", user: "eve", baseName: "m9", fileName: "m9:2,")
            try await journal.clearPending(session: "s2")  // RSET
            #expect(try await journal.countsByState() == [.pending: 2, .committing: 0, .done: 0])
            let committing = try await journal.markCommitting(session: "s1")
            #expect(committing.map(\.baseName) == ["m1", "m2"])
            #expect(committing.map(\.fileName) == ["m1:2,", "m2:2,S"])
            #expect(committing.allSatisfy { $0.state == .committing && $0.user == "bob" && $0.session == "s1" })
            try await journal.clearPending(session: "s1")  // RSET after QUIT's mark must not touch committing rows
            try await journal.markDone(ids: committing.map(\.id))
            #expect(try await journal.countsByState() == [.pending: 0, .committing: 0, .done: 2])
        }
    }

    @Test(arguments: BackendKind.available)
    func recoveryDiscardsPendingFinishesCommittingAndKeepsDone(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let mail = database.folder.url.appendingPathComponent("mail")
            try FileManager.default.createDirectory(at: mail, withIntermediateDirectories: true)
            for name in ["kept", "quit1", "quit2", "old"] {
                try Data("message \(name)\n".utf8).write(to: mail.appendingPathComponent(name))
            }
            // A server that died: session A only said DELE; session B said QUIT and was killed before unlinking.
            let crashed = try await database.open()
            let journal = crashed.stores.journal
            try await journal.addPending(session: "old", user: "u", baseName: "old", fileName: "old")
            try await journal.markDone(ids: try journal.markCommitting(session: "old").map(\.id))
            try FileManager.default.removeItem(at: mail.appendingPathComponent("old"))
            try await journal.addPending(session: "A", user: "u", baseName: "kept", fileName: "kept")
            try await journal.addPending(session: "B", user: "u", baseName: "quit1", fileName: "quit1")
            try await journal.addPending(session: "B", user: "u", baseName: "quit2", fileName: "quit2")
            _ = try await journal.markCommitting(session: "B")
            await database.close(crashed)

            let storage = try await database.open()
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
    }

    @Test(arguments: BackendKind.available)
    func aFailedRemovalStaysCommittingForTheNextStart(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let journal = try await database.open().stores.journal
            try await journal.addPending(session: "B", user: "u", baseName: "x", fileName: "x")
            _ = try await journal.markCommitting(session: "B")
            struct DiskFault: Error {}
            let report = try await journal.recover { _ in throw DiskFault() }
            #expect(report.failed == 1)
            #expect(try await journal.countsByState()[.committing] == 1)
            let retry = try await journal.recover { _ in }
            #expect(retry.finished == 1)
            #expect(try await journal.countsByState() == [.pending: 0, .committing: 0, .done: 1])
        }
    }

    @Test(arguments: BackendKind.available)
    func discardedCommittingRowsAreNotRecoveredLater(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let journal = try await database.open().stores.journal
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

    /// Nodes share a PostgreSQL database: a node starting up recovers its own journal rows only. Another node's
    /// pending rows belong to sessions that may still be alive, and its committing rows to files it will remove.
    @Test(.enabled(if: BackendKind.available.contains(.postgresql)))
    func recoveryOnPostgreSQLTouchesOnlyItsOwnNodesRows() async throws {
        try await TestStorage.with(.postgresql) { database in
            let first = try await database.open(node: "node-a").stores.journal
            try await first.addPending(session: "a1", user: "u", baseName: "m1", fileName: "m1")
            try await first.addPending(session: "a2", user: "u", baseName: "m2", fileName: "m2")
            _ = try await first.markCommitting(session: "a2")

            let secondStorage = try await database.open(node: "node-b")
            let second = secondStorage.stores.journal
            try await second.addPending(session: "b1", user: "v", baseName: "m3", fileName: "m3")
            try await second.addPending(session: "b2", user: "v", baseName: "m4", fileName: "m4")
            _ = try await second.markCommitting(session: "b2")
            await database.close(secondStorage)

            // node-b restarts: its own pending row goes, its committing row is finished; node-a's rows stay.
            let restarted = try await database.open(node: "node-b").stores.journal
            var removed: [String] = []
            let report = try await restarted.recover { removed.append($0.baseName) }
            #expect(report == JournalRecoveryReport(discardedPending: 1, finished: 1, failed: 0))
            #expect(removed == ["m4"])
            let rows = try await database.rows("SELECT node, base_name, state FROM deletion_journal ORDER BY base_name")
            #expect(
                rows == [
                    ["node-a", "m1", "pending"], ["node-a", "m2", "committing"], ["node-b", "m4", "done"],
                ])
            // node-a's live session goes on as if nothing happened.
            #expect(try await first.markCommitting(session: "a1").map(\.baseName) == ["m1"])
        }
    }
}
