import Foundation
import Testing

/// LOGIN-DELAY and EXPIRE (RFC 2449) end to end: CAPA, the refusal, persistence across a restart, `pop3ctl users
/// policy`, and deletions by policy.
@Suite("Mailbox policy")
struct MailboxPolicyTests {
    /// The LOGIN-DELAY and EXPIRE lines of a CAPA answer.
    static func policyLines(_ connection: RawConnection) async throws -> [String] {
        #expect(try await connection.command("CAPA").hasPrefix("+OK"))
        return try await connection.multilineLines().filter { $0.hasPrefix("LOGIN-DELAY") || $0.hasPrefix("EXPIRE") }
    }

    static func attempt(_ user: (name: String, password: String), port: Int) async throws -> (RawConnection, String) {
        let connection = try await RawConnection.open(port: port)
        #expect(try await connection.command("USER \(user.name)").hasPrefix("+OK"))
        return (connection, try await connection.command("PASS \(user.password)"))
    }

    @Test func loginDelayRefusesOnlyGoodCredentialsAndSurvivesARestart() async throws {
        let workspace = try Workspace()
        let (alice, bob) = (TestUsers.alice, TestUsers.bob)
        try await workspace.createUsers([alice.name: alice.password, bob.name: bob.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: alice.name)
        let files = workspace.maildir.messageFiles(alice.name)
        var server = try await ServerProcess.start(workspace, options: ["--login-delay", "3600"])

        let first = try await RawConnection.open(port: server.port)
        #expect(try await Self.policyLines(first) == ["LOGIN-DELAY 3600", "EXPIRE NEVER"])
        #expect(try await first.command("USER \(alice.name)").hasPrefix("+OK"))
        #expect(try await first.command("PASS \(alice.password)").hasPrefix("+OK"))
        #expect(try await Self.policyLines(first) == ["LOGIN-DELAY 3600", "EXPIRE NEVER"])
        #expect(try await first.command("QUIT").hasPrefix("+OK"))
        let moved = workspace.maildir.messageFiles(alice.name)

        // Too soon: a wrong password is still [AUTH]; the right one is [LOGIN-DELAY], at once, and the connection
        // stays open (no failure counted); the maildrop is not touched.
        let (again, wrong) = try await Self.attempt((alice.name, "wrong password"), port: server.port)
        #expect(wrong.hasPrefix("-ERR [AUTH]"), "\(wrong)")
        #expect(try await again.command("USER \(alice.name)").hasPrefix("+OK"))
        let (refusal, seconds) = try await again.timedCommand("PASS \(alice.password)")
        #expect(refusal.hasPrefix("-ERR [LOGIN-DELAY]"), "\(refusal)")
        #expect(seconds < 10)
        #expect(try await again.command("NOOP").hasPrefix("-ERR"), "still in AUTHORIZATION")
        #expect(try await again.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.messageFiles(alice.name) == moved)
        #expect(moved.count == files.count)
        #expect(await server.waitForLines("login refused: LOGIN-DELAY", count: 1))

        // Another user is not held back by alice's login.
        let (other, answer) = try await Self.attempt(bob, port: server.port)
        #expect(answer.hasPrefix("+OK"), "\(answer)")
        #expect(try await other.command("QUIT").hasPrefix("+OK"))

        // The last login is in the database: a restart does not reset it.
        #expect(try await server.stop() == 0)
        server = try await server.restart()
        let (afterRestart, stillTooSoon) = try await Self.attempt(alice, port: server.port)
        #expect(stillTooSoon.hasPrefix("-ERR [LOGIN-DELAY]"), "\(stillTooSoon)")
        afterRestart.close()

        // alice's own value: none. CAPA before login now says the values differ per user.
        let monitor = try await ServerAddresses.monitorPort(of: server)
        let set = try await AdminCommand.run(
            ["users", "policy", alice.name, "--login-delay", "0"], monitorPort: monitor)
        #expect(set.status == 0, "\(set)")
        #expect(set.output.contains("login-delay: 0 seconds (the user's own)"), "\(set.output)")
        let (allowed, welcome) = try await Self.attempt(alice, port: server.port)
        #expect(welcome.hasPrefix("+OK"), "\(welcome)")
        #expect(try await Self.policyLines(allowed) == ["EXPIRE NEVER"])
        #expect(try await allowed.command("QUIT").hasPrefix("+OK"))
        let fresh = try await RawConnection.open(port: server.port)
        #expect(try await Self.policyLines(fresh) == ["LOGIN-DELAY 0 USER", "EXPIRE NEVER"])
        fresh.close()
        let shown = try await AdminCommand.run(["users", "policy", bob.name], monitorPort: monitor)
        #expect(shown.output.contains("login-delay: 3600 seconds (server default)"), "\(shown.output)")
        let unknown = try await AdminCommand.run(["users", "policy", "nobody", "--expire", "3"], monitorPort: monitor)
        #expect(unknown.status == 1, "\(unknown)")
        #expect(try await server.stop() == 0)
    }

    /// No server-wide policy: one user's own value alone turns LOGIN-DELAY on, for that user only.
    @Test func aPerUserValueAloneApplies() async throws {
        let workspace = try Workspace()
        let (alice, bob) = (TestUsers.alice, TestUsers.bob)
        try await workspace.createUsers([alice.name: alice.password, bob.name: bob.password])
        let server = try await ServerProcess.start(workspace)
        let monitor = try await ServerAddresses.monitorPort(of: server)
        let set = try await AdminCommand.run(
            ["users", "policy", alice.name, "--login-delay", "3600"], monitorPort: monitor)
        #expect(set.status == 0, "\(set)")
        let fresh = try await RawConnection.open(port: server.port)
        #expect(try await Self.policyLines(fresh) == ["LOGIN-DELAY 0 USER", "EXPIRE NEVER"])
        fresh.close()
        for user in [alice, bob] {
            let (first, answer) = try await Self.attempt(user, port: server.port)
            #expect(answer.hasPrefix("+OK"), "\(answer)")
            #expect(try await first.command("QUIT").hasPrefix("+OK"))
        }
        let (refused, tooSoon) = try await Self.attempt(alice, port: server.port)
        #expect(tooSoon.hasPrefix("-ERR [LOGIN-DELAY]"), "\(tooSoon)")
        refused.close()
        let (other, again) = try await Self.attempt(bob, port: server.port)
        #expect(again.hasPrefix("+OK"), "bob has no delay: \(again)")
        #expect(try await other.command("QUIT").hasPrefix("+OK"))
        #expect(try await server.stop() == 0)
    }

    @Test func expireZeroDeletesWhatWasRetrievedAtQuit() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll(
            [SampleMessages.plainCRLF, SampleMessages.bareLF, SampleMessages.dotLines], user: user.name)
        let all = workspace.maildir.baseNames(user.name)
        let server = try await ServerProcess.start(workspace, options: ["--expire", "0"])

        // Retrieved, then the connection drops: nothing is deleted.
        let dropped = try await DeletionTests.login(user, port: server.port)
        #expect(try await Self.policyLines(dropped) == ["EXPIRE 0"])
        #expect(try await dropped.command("RETR 1").hasPrefix("+OK"))
        _ = try await dropped.multilineBody()
        dropped.close()
        #expect(await server.waitForLines("disconnect", count: 1))
        #expect(workspace.maildir.baseNames(user.name) == all)

        // RETR 1 and TOP 2 then QUIT: message 1 alone goes (TOP is no retrieval), without a DELE.
        let client = try await DeletionTests.login(user, port: server.port)
        let first = try await DeletionTests.uid(of: 1, on: client)
        #expect(try await client.command("RETR 1").hasPrefix("+OK"))
        _ = try await client.multilineBody()
        #expect(try await client.command("TOP 2 0").hasPrefix("+OK"))
        _ = try await client.multilineBody()
        #expect(try await client.command("STAT").hasPrefix("+OK 3 "), "nothing goes before UPDATE")
        #expect(try await client.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.baseNames(user.name) == all.filter { $0 != first })
        let journal = try await workspace.query("SELECT state FROM deletion_journal")
        #expect(journal == ["done"], "the deletion went through the journal")
        #expect(try await server.stop() == 0)
    }

    @Test func expireDaysCountsFromTheFirstRetrievalAcrossARestart() async throws {
        let workspace = try Workspace()
        let (alice, bob) = (TestUsers.alice, TestUsers.bob)
        try await workspace.createUsers([alice.name: alice.password, bob.name: bob.password])
        try workspace.maildir.deliverAll(
            [SampleMessages.plainCRLF, SampleMessages.bareLF, SampleMessages.dotLines], user: alice.name)
        let all = workspace.maildir.baseNames(alice.name)
        var server = try await ServerProcess.start(workspace, options: ["--expire", "2"])

        let client = try await DeletionTests.login(alice, port: server.port)
        #expect(try await Self.policyLines(client) == ["EXPIRE 2"])
        let first = try await DeletionTests.uid(of: 1, on: client)
        for number in [1, 2] {
            #expect(try await client.command("RETR \(number)").hasPrefix("+OK"))
            _ = try await client.multilineBody()
        }
        #expect(try await client.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.baseNames(alice.name) == all)
        // The retrievals are written as they happen, without the client waiting: wait for the second row.
        let rows = try await workspace.waitForRows(
            "SELECT count(*) FROM message_retrievals WHERE user_name = 'alice' HAVING count(*) = 2")
        #expect(rows == ["2"], "two retrievals recorded")

        // Across a restart, before their time: nothing goes.
        #expect(try await server.stop() == 0)
        server = try await server.restart()
        let early = try await DeletionTests.login(alice, port: server.port)
        #expect(try await early.command("STAT").hasPrefix("+OK 3 "))
        #expect(try await early.command("QUIT").hasPrefix("+OK"))

        // Two days pass for message 1 (its first retrieval moves back): the next login deletes it before listing.
        _ = try await workspace.query(
            "UPDATE message_retrievals SET first_retrieved = first_retrieved - 2 * 86400 - 60 WHERE uidl = '\(first)'")
        #expect(try await server.stop() == 0)
        server = try await server.restart()
        let late = try await DeletionTests.login(alice, port: server.port)
        #expect(try await late.command("STAT").hasPrefix("+OK 2 "))
        #expect(try await late.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.baseNames(alice.name) == all.filter { $0 != first })
        let sweep = await server.waitForLine { $0.message == "retention sweep" }
        #expect(sweep?["expired"] == "1", "\(server.transcript)")
        #expect(try await workspace.query("SELECT uidl FROM message_retrievals WHERE uidl = '\(first)'").isEmpty)

        // bob's own EXPIRE NEVER: CAPA before login says the values differ, bob's own says NEVER.
        let monitor = try await ServerAddresses.monitorPort(of: server)
        let set = try await AdminCommand.run(["users", "policy", bob.name, "--expire", "never"], monitorPort: monitor)
        #expect(set.status == 0, "\(set)")
        let fresh = try await RawConnection.open(port: server.port)
        #expect(try await Self.policyLines(fresh) == ["EXPIRE 2 USER"])
        fresh.close()
        let other = try await DeletionTests.login(bob, port: server.port)
        #expect(try await Self.policyLines(other) == ["EXPIRE NEVER"])
        #expect(try await other.command("QUIT").hasPrefix("+OK"))
        #expect(try await server.stop() == 0)
    }
}
