import Foundation
import Testing

/// SIGTERM: live sessions are told the server is shutting down, nothing they marked is deleted, exit 0.
@Suite("Shutdown")
struct ShutdownTests {
    @Test func sigtermTellsSessionsAndDeletesNothing() async throws {
        let workspace = try Workspace()
        try await workspace.createUsers(TestUsers.both)
        for user in [TestUsers.alice.name, TestUsers.bob.name] {
            try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.dotLines], user: user)
        }
        let server = try await ServerProcess.start(workspace)
        var sessions: [RawConnection] = []
        for user in [TestUsers.alice, TestUsers.bob] {
            let session = try await DeletionTests.login(user, port: server.port)
            #expect(try await session.command("DELE 1").hasPrefix("+OK"))
            #expect(try await session.command("DELE 2").hasPrefix("+OK"))
            sessions.append(session)
        }
        let anonymous = try await RawConnection.open(port: server.port)
        sessions.append(anonymous)

        #expect(try await server.stop(signal: SIGTERM) == 0, "\(server.transcript)")
        for (index, session) in sessions.enumerated() {
            let (bytes, closed) = try await session.readUntilClosed(timeout: 30)
            let lines = WireText.lines(bytes)
            #expect(closed, "session \(index) still open")
            #expect(lines.count == 1, "session \(index) got \(lines)")
            let notice = lines.first ?? ""
            #expect(notice.hasPrefix("-ERR [SYS/TEMP]"), "session \(index): \(notice)")
            #expect(notice.lowercased().contains("shutting down"), "session \(index): \(notice)")
        }
        for user in [TestUsers.alice.name, TestUsers.bob.name] {
            #expect(workspace.maildir.messageFiles(user).count == 2, "\(user) lost mail")
        }
        #expect(try await workspace.query("SELECT count(*) FROM deletion_journal WHERE state != 'pending'") == ["0"])
        if workspace.backend == .sqlite {
            #expect(try await workspace.query("PRAGMA integrity_check") == ["ok"])
        }
        // Every session was recorded before the database closed.
        let reasons = try await workspace.query(
            "SELECT coalesce(\(workspace.userColumn), '-') || ' ' || end_reason FROM sessions")
        #expect(reasons.count == 3, "\(reasons)")

        // The next start drops the dead sessions' pending DELEs; the mail is all there.
        let restarted = try await server.restart()
        #expect(try await workspace.query("SELECT count(*) FROM deletion_journal") == ["0"])
        let session = try await DeletionTests.login(TestUsers.alice, port: restarted.port)
        #expect(try await session.command("STAT").hasPrefix("+OK 2 "))
        #expect(try await session.command("QUIT").hasPrefix("+OK"))
        #expect(try await restarted.stop() == 0)
    }

    /// A database that is gone must not hold the stop: the last metric write waits for a connection that never
    /// comes (PostgreSQL's pool tries again without end), so pop3d cancels it after its 10 s shutdown limit.
    @Test(.postgresqlOnly) func sigtermStopsWhileTheDatabaseIsUnreachable() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace)
        try await workspace.cutOffDatabase()
        #expect(server.isRunning)
        let stopping = ContinuousClock.now
        #expect(try await server.stop(timeout: 30) == 0, "\(server.transcript)")
        let seconds = (ContinuousClock.now - stopping) / .seconds(1)
        #expect(seconds < 20, "pop3d took \(seconds) s to stop")
    }

    /// `--monitor-port -1` turns the monitor off; POP3 must still run and stop cleanly.
    @Test func servesAndStopsWithTheMonitorDisabled() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace, options: ["--monitor-port=-1"])
        // A service that ended at once would have stopped the server by the end of a whole session.
        let session = try await DeletionTests.login((name: "foo", password: "bar"), port: server.port)
        #expect(try await session.command("STAT") == "+OK 0 0")
        #expect(try await session.command("QUIT").hasPrefix("+OK"))
        #expect(server.isRunning, "pop3d stopped by itself:\n\(server.transcript)")
        #expect(server.lines("POP3 stopping: closing listeners and telling sessions").isEmpty, "\(server.log)")
        #expect(try await server.stop() == 0, "\(server.transcript)")
    }
}
