import Foundation
import Testing

/// Two pop3d nodes on one PostgreSQL database and one maildir: one session per maildrop across both, what each
/// node's death or lost lock connection leaves behind, and recovery of a maildrop's journal by whichever node takes
/// it next.
@Suite("Cluster: one maildrop lock across nodes", .postgresqlOnly)
struct ClusterLockTests {
    private static let user = (name: "dora", password: "dora's cluster password")

    private static func twoNodes(_ workspace: Workspace) async throws -> (a: ServerProcess, b: ServerProcess) {
        try await workspace.createUsers([user.name: user.password])
        let a = try await ServerProcess.start(workspace, nodeName: "node-a")
        let b = try await ServerProcess.start(workspace, nodeName: "node-b")
        return (a, b)
    }

    /// The backends of `node`'s lock connection (application_name `pop3d NODE locks`).
    private static func lockBackends(_ workspace: Workspace, node: String) async throws -> Int {
        let rows = try await workspace.query(
            """
            SELECT count(*) FROM pg_stat_activity
            WHERE application_name = 'pop3d \(node) locks' AND datname = current_database()
            """)
        return Int(rows.first ?? "") ?? -1
    }

    /// Ends `node`'s lock connection from PostgreSQL's side, as an operator or a failover would.
    private static func terminateLockConnection(of node: String) -> String {
        """
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'pop3d \(node) locks' AND datname = '{database}'
        """
    }

    /// Scenario 1: the second login for a user gets [IN-USE] at once, whichever node it reaches, and the maildrop
    /// opens anywhere as soon as the holder has quit.
    @Test func theSecondLoginIsInUseOnEitherNode() async throws {
        let workspace = try Workspace()
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: Self.user.name)
        let (a, b) = try await Self.twoNodes(workspace)
        let holder = try await DeletionTests.login(Self.user, port: a.port)

        for (node, port) in [("node-b", b.port), ("node-a", a.port)] {
            let second = try await RawConnection.open(port: port)
            #expect(try await second.command("USER \(Self.user.name)").hasPrefix("+OK"))
            let (answer, seconds) = try await second.timedCommand("PASS \(Self.user.password)")
            #expect(answer.hasPrefix("-ERR [IN-USE]"), "\(node) let a second session in: \(answer)")
            // [IN-USE] is never held back like a wrong password (the test cost hashes in milliseconds).
            #expect(seconds < 5, "\(node) answered [IN-USE] after \(seconds) s")
            second.close()
        }
        #expect(try await Self.lockBackends(workspace, node: "node-a") == 1)
        #expect(try await Self.lockBackends(workspace, node: "node-b") == 1)

        #expect(try await holder.command("QUIT").hasPrefix("+OK"))
        let next = try await DeletionTests.login(Self.user, port: b.port)
        #expect(try await next.command("STAT").hasPrefix("+OK 1 "))
        #expect(try await next.command("QUIT").hasPrefix("+OK"))
        #expect(try await a.stop() == 0)
        #expect(try await b.stop() == 0)
    }

    /// Scenario 2: node A is killed mid-session. PostgreSQL drops its locks with its connection, so node B logs the
    /// user in at once, and the dead session's DELE marks are dropped: every message is still there.
    @Test func aKilledNodesMaildropOpensOnTheOtherWithItsMarksDropped() async throws {
        let workspace = try Workspace()
        try workspace.maildir.deliverAll(
            [SampleMessages.plainCRLF, SampleMessages.bareLF, SampleMessages.dotLines], user: Self.user.name)
        let (a, b) = try await Self.twoNodes(workspace)
        let session = try await DeletionTests.login(Self.user, port: a.port)
        #expect(try await session.command("DELE 1").hasPrefix("+OK"))
        #expect(try await session.command("DELE 3").hasPrefix("+OK"))

        #expect(try await a.stop(signal: SIGKILL) == 128 + SIGKILL)
        session.close()
        // The event that frees the lock: PostgreSQL ends the dead node's lock backend.
        let gone = try await workspace.waitForRows(
            """
            SELECT 'gone' WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity
                WHERE application_name = 'pop3d node-a locks' AND datname = current_database())
            """)
        #expect(gone == ["gone"])
        let again = try await DeletionTests.login(Self.user, port: b.port)
        #expect(try await again.command("STAT").hasPrefix("+OK 3 "))
        #expect(try await workspace.query("SELECT count(*) FROM deletion_journal") == ["0"])
        let recovered = b.lines("deletion journal recovered")
        #expect(recovered.count == 1 && recovered.first?["kept_pending"] == "2", "\(b.log)")
        #expect(try await again.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.messageFiles(Self.user.name).count == 3)
        #expect(try await b.stop() == 0)
    }

    /// A session that drops its connection after DELE has its marks cleared before its maildrop is given back, so the
    /// next login, on either node, finds nothing of it to recover.
    @Test func aDroppedSessionsMarksAreGoneBeforeItsMaildropIsFree() async throws {
        let workspace = try Workspace()
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.bareLF], user: Self.user.name)
        let (a, b) = try await Self.twoNodes(workspace)
        let dropped = try await DeletionTests.login(Self.user, port: a.port)
        #expect(try await dropped.command("DELE 1").hasPrefix("+OK"))
        #expect(try await dropped.command("DELE 2").hasPrefix("+OK"))
        dropped.close()

        // The maildrop is free once the node has handled the drop; until then a login hears [IN-USE].
        let next = try await RawConnection.open(port: b.port)
        #expect(try await next.command("USER \(Self.user.name)").hasPrefix("+OK"))
        var answer = try await next.command("PASS \(Self.user.password)")
        let deadline = Date().addingTimeInterval(30)
        while answer.hasPrefix("-ERR [IN-USE]"), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            #expect(try await next.command("USER \(Self.user.name)").hasPrefix("+OK"))
            answer = try await next.command("PASS \(Self.user.password)")
        }
        #expect(answer.hasPrefix("+OK"), "\(answer)")
        #expect(try await next.command("STAT").hasPrefix("+OK 2 "))
        #expect(b.lines("deletion journal recovered").isEmpty, "\(b.log)")
        #expect(try await workspace.query("SELECT count(*) FROM deletion_journal") == ["0"])
        #expect(try await next.command("QUIT").hasPrefix("+OK"))
        #expect(try await a.stop() == 0)
        #expect(try await b.stop() == 0)
    }

    /// Scenario 3: A's lock connection is terminated by PostgreSQL. A ends its session holding the maildrop with
    /// [SYS/TEMP], deletes nothing, refuses logins until the connection is back, then serves again.
    @Test func aLostLockConnectionEndsTheSessionAndDeletesNothing() async throws {
        let workspace = try Workspace()
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.bareLF], user: Self.user.name)
        let (a, b) = try await Self.twoNodes(workspace)
        let session = try await DeletionTests.login(Self.user, port: a.port)
        #expect(try await session.command("DELE 1").hasPrefix("+OK"))

        // No new connection to the database until the test allows it again: A cannot reconnect its lock meanwhile.
        _ = try await workspace.serverQuery("ALTER DATABASE \"{database}\" WITH ALLOW_CONNECTIONS false")
        let terminated = try await workspace.serverQuery(
            Self.terminateLockConnection(of: "node-a"))
        #expect(terminated == ["t"])
        let notice = try await session.line()
        #expect(notice.hasPrefix("-ERR [SYS/TEMP]"), "\(notice)")
        #expect(try await session.readUntilClosed().closed)
        #expect(
            await a.waitForLines(
                "lock connection lost: sessions holding maildrops end, logins are refused until it is back", count: 1))

        // While A has no lock connection, its logins are refused, not let through unlocked.
        let refused = try await RawConnection.open(port: a.port)
        #expect(try await refused.command("USER \(Self.user.name)").hasPrefix("+OK"))
        let refusal = try await refused.command("PASS \(Self.user.password)")
        #expect(refusal.hasPrefix("-ERR [SYS/TEMP]"), "\(refusal)")
        refused.close()

        _ = try await workspace.serverQuery("ALTER DATABASE \"{database}\" WITH ALLOW_CONNECTIONS true")
        #expect(await a.waitForLines("lock connection restored: serving logins", count: 1))
        #expect(workspace.maildir.messageFiles(Self.user.name).count == 2, "a fenced session deleted mail")
        let again = try await DeletionTests.login(Self.user, port: a.port)
        #expect(try await again.command("STAT").hasPrefix("+OK 2 "))
        #expect(try await again.command("QUIT").hasPrefix("+OK"))
        let onB = try await DeletionTests.login(Self.user, port: b.port)
        #expect(try await onB.command("QUIT").hasPrefix("+OK"))
        #expect(try await a.stop() == 0)
        #expect(try await b.stop() == 0)
    }

    /// A QUIT whose lock connection broke while the client was connected deletes nothing: the check right before
    /// the unlinks fails, the marks are dropped, and the client hears [SYS/TEMP].
    @Test func aQuitAfterTheLockIsLostDeletesNothing() async throws {
        let workspace = try Workspace()
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.bareLF], user: Self.user.name)
        let (a, b) = try await Self.twoNodes(workspace)
        // A session in the middle of a RETR is closed without a word when the lock goes; one that sent QUIT just as
        // it went is answered by the QUIT's own check. Both end without deleting.
        let session = try await DeletionTests.login(Self.user, port: a.port)
        #expect(try await session.command("DELE 2").hasPrefix("+OK"))
        _ = try await workspace.serverQuery(
            Self.terminateLockConnection(of: "node-a"))
        try await session.send("QUIT\r\n")
        let (bytes, closed) = try await session.readUntilClosed()
        let answer = String(decoding: bytes, as: UTF8.self)
        #expect(closed)
        #expect(answer.hasPrefix("-ERR [SYS/TEMP]"), "\(answer)")
        #expect(workspace.maildir.messageFiles(Self.user.name).count == 2, "a QUIT without its lock deleted mail")
        #expect(await a.waitForLines("lock connection restored: serving logins", count: 1))
        let again = try await DeletionTests.login(Self.user, port: b.port)
        #expect(try await again.command("STAT").hasPrefix("+OK 2 "))
        #expect(try await again.command("QUIT").hasPrefix("+OK"))
        #expect(try await a.stop() == 0)
        #expect(try await b.stop() == 0)
    }

    /// Scenario 4: node A died between marking a QUIT's rows committing and unlinking the files. Node B finishes those
    /// deletions when it next takes the maildrop (and not before: at its start it touches no other node's rows).
    @Test func aCommitInterruptedOnOneNodeIsFinishedByTheNextToTakeTheMaildrop() async throws {
        let workspace = try Workspace()
        let maildir = workspace.maildir
        try maildir.deliver(SampleMessages.plainCRLF, user: Self.user.name, name: "2000.quit:2,S", folder: .cur)
        try maildir.deliver(SampleMessages.bareLF, user: Self.user.name, name: "2001.kept:2,S", folder: .cur)
        try await workspace.createUsers([Self.user.name: Self.user.password])
        try await workspace.insertJournalRows(
            [("dead-session", Self.user.name, "2000.quit", "2000.quit:2,S", "committing")], node: "node-a")
        let b = try await ServerProcess.start(workspace, nodeName: "node-b")
        #expect(maildir.baseNames(Self.user.name) == ["2000.quit", "2001.kept"])

        let session = try await DeletionTests.login(Self.user, port: b.port)
        #expect(maildir.baseNames(Self.user.name) == ["2001.kept"])
        #expect(try await session.command("STAT").hasPrefix("+OK 1 "))
        #expect(try await workspace.query("SELECT node, state FROM deletion_journal") == ["node-a|done"])
        let recovered = b.lines("deletion journal recovered")
        #expect(recovered.first?["finished"] == "1" && recovered.first?["user"] == Self.user.name, "\(b.log)")
        #expect(try await session.command("QUIT").hasPrefix("+OK"))
        #expect(try await b.stop() == 0)
    }
}
