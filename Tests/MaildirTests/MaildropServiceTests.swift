import Foundation
import Storage
import Synchronization
import Testing

@testable import Maildir

/// The maildrop service's duties around a lock that can be lost and that asks for recovery (the cluster's): a QUIT
/// whose lock is gone deletes nothing, and a lock that says recovery is due gets the user's journal finished before
/// the scan, leaving other users' rows alone.
@Suite struct MaildropServiceTests {
    /// A lock whose leases say what the test wants.
    final class ScriptedLock: MaildropLock {
        let recoveryDue: Bool
        let held: Bool
        let releases = Atomic<Int>(0)

        init(recoveryDue: Bool = false, held: Bool = true) {
            self.recoveryDue = recoveryDue
            self.held = held
        }

        func acquire(user: MailboxName, directory: String, files: any BlockingExecutor) async throws
            -> any MaildropLease
        {
            ScriptedLease(user: user, lock: self)
        }
    }

    final class ScriptedLease: MaildropLease {
        let user: MailboxName
        let lock: ScriptedLock

        init(user: MailboxName, lock: ScriptedLock) {
            self.user = user
            self.lock = lock
        }

        var recoveryDue: Bool { lock.recoveryDue }
        var isHeld: Bool { lock.held }

        func confirmHeld() async throws {
            if !lock.held { throw MaildropLockError.lost }
        }

        func release(files: any BlockingExecutor) async {
            lock.releases.add(1, ordering: .relaxed)
        }
    }

    private static func service(_ maildir: TemporaryMaildir, _ storage: SQLiteStorage, _ lock: ScriptedLock)
        -> MaildropService
    {
        MaildropService(
            store: MaildirStore(root: maildir.root, index: nil, files: InlineExecutor()), lock: lock,
            journal: storage.stores.journal)
    }

    @Test func aQuitWhoseLockIsLostDeletesNothingAndDropsItsMarks() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/100.A:2,S", "a\n")
        try maildir.write("alice/cur/101.B:2,S", "b\n")
        let storage = try SQLiteStorage(path: maildir.root + "/journal.sqlite", passwordCost: 10)
        let service = Self.service(maildir, storage, ScriptedLock(held: false))
        let opened = try await service.open(user: maildir.user())
        try await service.recordDeletion(of: 1, in: opened.maildrop, session: "s1")
        try await service.recordDeletion(of: 2, in: opened.maildrop, session: "s1")

        await #expect(throws: MaildropLockError.lost) {
            try await service.commitDeletions(in: opened.maildrop, lease: opened.lease, session: "s1")
        }
        #expect(try maildir.names(in: "alice/cur") == ["100.A:2,S", "101.B:2,S"])
        #expect(try await storage.stores.journal.countsByState().values.reduce(0, +) == 0)
    }

    @Test func aQuitWhoseLockHoldsDeletes() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/100.A:2,S", "a\n")
        try maildir.write("alice/cur/101.B:2,S", "b\n")
        let storage = try SQLiteStorage(path: maildir.root + "/journal.sqlite", passwordCost: 10)
        let service = Self.service(maildir, storage, ScriptedLock())
        let opened = try await service.open(user: maildir.user())
        try await service.recordDeletion(of: 2, in: opened.maildrop, session: "s1")
        let outcome = try await service.commitDeletions(in: opened.maildrop, lease: opened.lease, session: "s1")
        #expect(outcome.removed == 1)
        #expect(try maildir.names(in: "alice/cur") == ["100.A:2,S"])
    }

    @Test func aLockThatAsksForRecoveryGetsTheUsersJournalFinishedBeforeTheScan() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/100.A:2,S", "a\n")
        try maildir.write("alice/cur/101.B:2,S", "b\n")
        try maildir.write("alice/cur/102.C:2,S", "c\n")
        try maildir.write("bob/cur/200.D:2,S", "d\n")
        let storage = try SQLiteStorage(path: maildir.root + "/journal.sqlite", passwordCost: 10)
        let journal = storage.stores.journal
        let alice = try maildir.user("alice")
        let bob = try maildir.user("bob")
        // A dead session's QUIT (committing, one file already gone) and another dead session's DELE (pending);
        // bob's rows belong to a session that may be alive elsewhere.
        try await journal.addPending(session: "dead-quit", user: alice, baseName: "100.A", fileName: "100.A:2,S")
        try await journal.addPending(session: "dead-quit", user: alice, baseName: "109.gone", fileName: "109.gone:2,")
        _ = try await journal.markCommitting(session: "dead-quit")
        try await journal.addPending(session: "dead-dele", user: alice, baseName: "101.B", fileName: "101.B:2,S")
        try await journal.addPending(session: "bob-live", user: bob, baseName: "200.D", fileName: "200.D:2,S")

        let lock = ScriptedLock(recoveryDue: true)
        let opened = try await Self.service(maildir, storage, lock).open(user: alice)
        #expect(opened.maildrop.messages.map(\.baseName) == ["101.B", "102.C"])
        #expect(opened.recovered == JournalRecoveryReport(discardedPending: 1, finished: 2, failed: 0))
        #expect(try await journal.countsByState() == [.pending: 1, .committing: 0, .done: 2])
        #expect(try maildir.names(in: "bob/cur") == ["200.D:2,S"])
        #expect(lock.releases.load(ordering: .relaxed) == 0)
    }
}
