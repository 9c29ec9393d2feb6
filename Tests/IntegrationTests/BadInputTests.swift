import Testing

/// Over-long lines, endless lines, NUL bytes, binary junk and malformed numbers get `-ERR` or a clean close,
/// and the server goes on serving normal logins.
@Suite("Bad input")
struct BadInputTests {
    @Test func longLinesJunkAndBadNumbersNeverHurtTheServer() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: user.name)
        let server = try await ServerProcess.start(workspace)

        // A 2,000-octet line: -ERR, and the same session goes on, before and after login.
        let long = try await RawConnection.open(port: server.port)
        let overLong = String(repeating: "A", count: 2000)
        #expect(try await long.command(overLong).hasPrefix("-ERR"))
        #expect(try await long.command("USER \(user.name)").hasPrefix("+OK"))
        #expect(try await long.command("PASS \(user.password)").hasPrefix("+OK"))
        #expect(try await long.command("NOOP " + overLong).hasPrefix("-ERR"))
        #expect(try await long.command("STAT").hasPrefix("+OK 1 "))

        // Malformed and out-of-range message numbers.
        for command in ["RETR 0", "RETR -1", "RETR 99999999999999999999", "RETR abc", "DELE 2", "LIST 0", "UIDL 7"] {
            let answer = try await long.command(command)
            #expect(answer.lowercased().hasPrefix("-err no such message"), "\(command) → \(answer)")
            #expect(try await long.command("NOOP").hasPrefix("+OK"))
        }
        for command in ["TOP 1", "TOP 1 -1", "TOP 1 x", "RETR", "DELE", "RETR 1 2"] {
            #expect(try await long.command(command).hasPrefix("-ERR"), "\(command)")
            #expect(try await long.command("NOOP").hasPrefix("+OK"))
        }
        #expect(try await long.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.messageFiles(user.name).count == 1)

        // 70 KB without a line end: the session is closed.
        let endless = try await RawConnection.open(port: server.port)
        try? await endless.send([UInt8](repeating: UInt8(ascii: "B"), count: 70_000))
        let endlessEnd = try await endless.readUntilClosed(timeout: 30)
        #expect(endlessEnd.closed, "still open after 70 KB without a line end")
        #expect(WireText.lines(endlessEnd.bytes).allSatisfy { $0.hasPrefix("-ERR") })

        // NUL bytes: never a login, never a crash.
        let nul = try await RawConnection.open(port: server.port)
        #expect(try await nul.command("US\0ER \(user.name)").hasPrefix("-ERR"))
        let userAnswer = try await nul.command("USER \(user.name)\0")
        let passAnswer = try await nul.command("PASS \(user.password)")
        #expect(userAnswer.hasPrefix("-ERR") || passAnswer.hasPrefix("-ERR"), "\(userAnswer) / \(passAnswer)")
        try await nul.send([0xFF, 0xFE, 0x00, 0x80, 13, 10])
        #expect(try await nul.line().hasPrefix("-ERR"))
        nul.close()

        // Binary junk (no letters, so it cannot spell a command): only -ERR lines, then the session
        // goes on or closes cleanly after too many bad commands.
        let junk = try await RawConnection.open(port: server.port)
        try? await junk.send(Self.junk(count: 8_000))
        let junkEnd = try await junk.readUntilClosed(timeout: 30)
        let answers = WireText.lines(junkEnd.bytes)
        #expect(!answers.isEmpty)
        #expect(answers.allSatisfy { $0.hasPrefix("-ERR") }, "\(answers)")
        junk.close()

        // After all that, the server still serves a normal login.
        #expect(server.isRunning)
        let normal = try await DeletionTests.login(user, port: server.port)
        #expect(try await normal.command("RETR 1").hasPrefix("+OK"))
        let expected = WireText.stuffed(WireText.wireForm(SampleMessages.plainCRLF))
        #expect(ByteDifference.between(try await normal.multilineBody(), expected) == nil)
        #expect(try await normal.command("QUIT").hasPrefix("+OK"))
        #expect(try await server.stop() == 0)
    }

    /// Deterministic junk: control and high octets with a CRLF now and then, ending with CRLF.
    private static func junk(count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes: [UInt8] = []
        for _ in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = UInt8(truncatingIfNeeded: state >> 33)
            switch value % 16 {
            case 0: bytes += [13, 10]
            case 1...7: bytes.append(0x80 | value)
            default: bytes.append(value % 0x20 == 10 ? 0 : value % 0x20)
            }
        }
        return bytes + [13, 10]
    }
}
