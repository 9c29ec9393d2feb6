import Foundation
import Testing

/// The deletion journal survives a killed server: QUIT's committed deletions are finished, and DELEs of sessions that
/// never said QUIT are dropped, before the maildrop is served again (on SQLite at the next start; on PostgreSQL, where
/// other nodes may be serving any user, when the maildrop's lock is next taken); a killed server leaves no stale lock.
@Suite("Crash recovery")
struct CrashRecoveryTests {
    @Test func interruptedDeletionsAreFinishedBeforeTheMaildropIsServed() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        let maildir = workspace.maildir
        try maildir.deliver(SampleMessages.plainCRLF, user: user.name, name: "1000.quit:2,S", folder: .cur)
        // The flags changed after QUIT was journaled: recovery finds the file by its base name.
        try maildir.deliver(SampleMessages.bareLF, user: user.name, name: "1001.renamed:2,RS", folder: .cur)
        try maildir.deliver(SampleMessages.dotLines, user: user.name, name: "1002.pending:2,", folder: .cur)
        try maildir.deliver(SampleMessages.eightBit, user: user.name, name: "1003.untouched:2,", folder: .cur)
        // A server killed after marking a QUIT committing and before unlinking leaves exactly these rows.
        // 1004.gone was unlinked already, just before the kill: finishing it again must be harmless.
        try await workspace.insertJournalRows([
            ("dead-1", user.name, "1000.quit", "1000.quit:2,S", "committing"),
            ("dead-1", user.name, "1001.renamed", "1001.renamed:2,", "committing"),
            ("dead-1", user.name, "1004.gone", "1004.gone:2,", "committing"),
            ("dead-2", user.name, "1002.pending", "1002.pending:2,", "pending"),
        ])

        let server = try await ServerProcess.start(workspace)
        let journal = "SELECT base_name, state FROM deletion_journal ORDER BY base_name"
        if TestBackend.current == .postgresql {
            #expect(maildir.baseNames(user.name).count == 4, "start-up touched a maildrop it did not lock")
            #expect(try await workspace.query(journal).count == 4)
        }
        let session = try await DeletionTests.login(user, port: server.port)
        #expect(maildir.baseNames(user.name) == ["1002.pending", "1003.untouched"])
        #expect(try await workspace.query(journal) == ["1000.quit|done", "1001.renamed|done", "1004.gone|done"])
        let sizes = [SampleMessages.dotLines, SampleMessages.eightBit].map { WireText.wireForm($0).count }
        #expect(try await session.command("STAT") == "+OK 2 \(sizes.reduce(0, +))")
        #expect(try await session.command("QUIT").hasPrefix("+OK"))
        #expect(try await server.stop() == 0)
    }

    @Test func killedServerKeepsUncommittedMailAndLeavesNoLock() async throws {
        let workspace = try Workspace()
        let user = TestUsers.bob
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.bareLF], user: user.name)
        let server = try await ServerProcess.start(workspace)
        let session = try await DeletionTests.login(user, port: server.port)
        #expect(try await session.command("DELE 1").hasPrefix("+OK"))
        #expect(try await session.command("DELE 2").hasPrefix("+OK"))
        #expect(try await workspace.query("SELECT count(*) FROM deletion_journal WHERE state = 'pending'") == ["2"])

        #expect(try await server.stop(signal: SIGKILL) == 128 + SIGKILL)
        session.close()
        let restarted = try await server.restart()
        #expect(workspace.maildir.messageFiles(user.name).count == 2)
        if TestBackend.current == .sqlite {
            #expect(try await workspace.query("SELECT count(*) FROM deletion_journal") == ["0"])
        }
        // The killed server's lock died with it: the maildrop opens at once.
        let again = try await DeletionTests.login(user, port: restarted.port)
        #expect(try await workspace.query("SELECT count(*) FROM deletion_journal") == ["0"])
        #expect(try await again.command("STAT").hasPrefix("+OK 2 "))
        #expect(try await again.command("DELE 2").hasPrefix("+OK"))
        #expect(try await again.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.messageFiles(user.name).count == 1)
        let finalRows = try await workspace.query("SELECT state FROM deletion_journal")
        #expect(finalRows == ["done"], "\(finalRows)")
        #expect(try await restarted.stop() == 0)
    }
}
