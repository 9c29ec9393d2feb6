import Foundation
import Testing

/// One session per maildrop: a second login gets `[IN-USE]` at once, never delayed like a failed login.
@Suite("Maildrop lock")
struct MaildropLockTests {
    @Test func secondLoginIsRefusedAtOnceWhileTheFirstGoesOn() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.bareLF], user: user.name)
        // A failed login would wait 20 s; [IN-USE] must not wait at all. No failed login happens here, so the
        // long delay costs nothing and puts "at once" far from a busy machine's noise.
        let failureDelay = 20.0
        let server = try await ServerProcess.start(
            workspace, options: ["--auth-failure-delay", "\(Int(failureDelay))"])

        let first = try await RawConnection.open(port: server.port)
        #expect(try await first.command("USER \(user.name)").hasPrefix("+OK"))
        #expect(try await first.command("PASS \(user.password)").hasPrefix("+OK"))

        let second = try await RawConnection.open(port: server.port)
        #expect(try await second.command("USER \(user.name)").hasPrefix("+OK"))
        let (refusal, seconds) = try await second.timedCommand("PASS \(user.password)")
        #expect(refusal.hasPrefix("-ERR [IN-USE]"), "\(refusal)")
        #expect(seconds < failureDelay, "IN-USE took \(seconds) s, as long as a failed login")
        // The server's own account: refused as in use, with no delay and not counted as a failure.
        #expect(await server.waitForLine { $0.message == "login failed" } != nil)
        let refusals = server.lines("login failed")
        #expect(refusals.map { $0["reason"] } == ["in_use"], "\(server.log)")
        #expect(refusals.map { $0["delay_ms"] } == ["0"], "\(server.log)")
        let credentials = Data("\0\(user.name)\0\(user.password)".utf8).base64EncodedString()
        #expect(try await second.command("AUTH PLAIN \(credentials)").hasPrefix("-ERR [IN-USE]"))

        // The first session is untouched.
        let wire = WireText.wireForm(SampleMessages.plainCRLF).count + WireText.wireForm(SampleMessages.bareLF).count
        #expect(try await first.command("STAT") == "+OK 2 \(wire)")
        #expect(try await first.command("RETR 1").hasPrefix("+OK"))
        _ = try await first.multilineBody()
        #expect(try await first.command("QUIT").hasPrefix("+OK"))

        // Once it has quit, the same second connection may log in at once: the server releases the maildrop
        // before it answers QUIT.
        #expect(try await second.command("USER \(user.name)").hasPrefix("+OK"))
        #expect(try await second.command("PASS \(user.password)").hasPrefix("+OK"))
        #expect(try await second.command("STAT") == "+OK 2 \(wire)")
        #expect(try await second.command("QUIT").hasPrefix("+OK"))
        #expect(try await server.stop() == 0)
    }

    @Test func twoServersOnOneMaildirExcludeEachOther() async throws {
        let workspace = try Workspace()
        let user = TestUsers.bob
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: user.name)
        let one = try await ServerProcess.start(workspace)
        let other: ServerProcess
        if TestBackend.current == .postgresql {
            // Two nodes of one cluster: one database, one maildir, the lock held in PostgreSQL.
            other = try await ServerProcess.start(workspace, nodeName: "second-node")
        } else {
            // One pop3d per SQLite database: the other server has a database of its own, on the same maildir.
            other = try await ServerProcess.start(
                workspace, options: try await workspace.separateDatabase("other.sqlite"))
        }

        let holder = try await DeletionTests.login(user, port: one.port)
        let second = try await RawConnection.open(port: other.port)
        #expect(try await second.command("USER \(user.name)").hasPrefix("+OK"))
        let refusal = try await second.command("PASS \(user.password)")
        #expect(refusal.hasPrefix("-ERR [IN-USE]"), "the lock did not exclude another process: \(refusal)")
        #expect(try await holder.command("QUIT").hasPrefix("+OK"))
        #expect(try await second.command("USER \(user.name)").hasPrefix("+OK"))
        #expect(try await second.command("PASS \(user.password)").hasPrefix("+OK"))
        #expect(try await second.command("QUIT").hasPrefix("+OK"))
        #expect(try await one.stop() == 0)
        #expect(try await other.stop() == 0)
    }
}
