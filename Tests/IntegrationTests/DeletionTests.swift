import Testing

/// Only QUIT in TRANSACTION removes messages: a dropped connection or RSET keeps them.
@Suite("Deletion")
struct DeletionTests {
    @Test func onlyQuitRemovesDeletedMessages() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll(
            [SampleMessages.plainCRLF, SampleMessages.bareLF, SampleMessages.dotLines], user: user.name)
        let all = workspace.maildir.baseNames(user.name)
        let server = try await ServerProcess.start(workspace)

        // DELE, then the connection drops without QUIT: nothing is removed.
        let dropped = try await Self.login(user, port: server.port)
        let uid = try await Self.uid(of: 1, on: dropped)
        #expect(try await dropped.command("DELE 1").hasPrefix("+OK"))
        #expect(try await dropped.command("STAT").hasPrefix("+OK 2 "))
        dropped.close()
        #expect(await server.waitForLines("disconnect", count: 1), "\(server.transcript)")
        #expect(workspace.maildir.baseNames(user.name) == all)

        // DELE, RSET, QUIT: nothing is removed.
        let reset = try await Self.login(user, port: server.port)
        #expect(try await reset.command("STAT").hasPrefix("+OK 3 "))
        #expect(try await reset.command("DELE 1").hasPrefix("+OK"))
        #expect(try await reset.command("DELE 2").hasPrefix("+OK"))
        #expect(try await reset.command("RSET").hasPrefix("+OK"))
        #expect(try await reset.command("STAT").hasPrefix("+OK 3 "))
        #expect(try await reset.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.baseNames(user.name) == all)

        // DELE, QUIT: that message alone is removed.
        let quit = try await Self.login(user, port: server.port)
        #expect(try await Self.uid(of: 1, on: quit) == uid, "UIDL changed between sessions")
        #expect(try await quit.command("DELE 1").hasPrefix("+OK"))
        #expect(try await quit.command("DELE 1").hasPrefix("-ERR"))
        #expect(try await quit.command("RETR 1").hasPrefix("-ERR"))
        #expect(try await quit.command("LIST 1").hasPrefix("-ERR"))
        #expect(try await quit.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.baseNames(user.name) == all.filter { $0 != uid })
        #expect(await server.waitForLines("disconnect", count: 3))

        // Numbers do not shift inside a session, and UIDLs stay with their messages after a deletion.
        let after = try await Self.login(user, port: server.port)
        let remaining = try await after.command("UIDL")
        #expect(remaining.hasPrefix("+OK"))
        let uids = try await after.multilineLines().map { $0.split(separator: " ").last.map(String.init) ?? "" }
        #expect(uids.sorted() == all.filter { $0 != uid })
        #expect(try await after.command("QUIT").hasPrefix("+OK"))
        #expect(try await server.stop() == 0)
    }

    /// A client that sends QUIT and closes its connection without reading the answer still has its deletions
    /// applied, and the maildrop stays locked until they are: nobody else takes over the session's journal rows.
    @Test func quitFollowedByCloseIsApplied() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll(
            [SampleMessages.plainCRLF, SampleMessages.bareLF, SampleMessages.dotLines], user: user.name)
        let server = try await ServerProcess.start(workspace)

        let client = try await Self.login(user, port: server.port)
        for number in 1...3 { #expect(try await client.command("DELE \(number)").hasPrefix("+OK")) }
        try await client.send("QUIT\r\n")
        client.close()
        let deadline = ContinuousClock.now + .seconds(30)
        while !workspace.maildir.baseNames(user.name).isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(workspace.maildir.baseNames(user.name).isEmpty, "\(server.transcript)")

        // The lock is given back right after the last unlink: a login in between hears [IN-USE].
        var next = try await RawConnection.open(port: server.port)
        _ = try await next.command("USER \(user.name)")
        while try await next.command("PASS \(user.password)").contains("[IN-USE]"), ContinuousClock.now < deadline {
            next.close()
            next = try await RawConnection.open(port: server.port)
            _ = try await next.command("USER \(user.name)")
        }
        #expect(try await next.command("STAT") == "+OK 0 0")
        #expect(try await next.command("QUIT").hasPrefix("+OK"))
        #expect(!server.log.contains("deletion journal failed"), "\(server.transcript)")
        #expect(!server.log.contains("deletion journal recovered"), "\(server.transcript)")
        #expect(try await server.stop() == 0)
    }

    static func login(_ user: (name: String, password: String), port: Int) async throws -> RawConnection {
        let connection = try await RawConnection.open(port: port)
        let userAnswer = try await connection.command("USER \(user.name)")
        let passAnswer = try await connection.command("PASS \(user.password)")
        guard userAnswer.hasPrefix("+OK"), passAnswer.hasPrefix("+OK") else {
            throw IntegrationError("login as \(user.name) failed: \(userAnswer) / \(passAnswer)")
        }
        return connection
    }

    static func uid(of number: Int, on connection: RawConnection) async throws -> String {
        let answer = try await connection.command("UIDL \(number)")
        let words = answer.split(separator: " ")
        guard words.count == 3, words[0] == "+OK" else { throw IntegrationError("UIDL \(number) → \(answer)") }
        return String(words[2])
    }
}
