import Testing

/// RFC 2449 PIPELINING: many commands in one packet, login included, answered one by one in order.
@Suite("Pipelining")
struct PipeliningTests {
    @Test func thirtyCommandsInOneWrite() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        let messages = [
            SampleMessages.plainCRLF, SampleMessages.dotLines, SampleMessages.bareLF, SampleMessages.noFinalNewline,
            SampleMessages.large,
        ]
        try workspace.maildir.deliverAll(messages, user: user.name)
        let server = try await ServerProcess.start(workspace)
        let connection = try await RawConnection.open(port: server.port)

        let numbers = 1...messages.count
        var commands = ["USER \(user.name)", "PASS \(user.password)", "STAT", "LIST", "UIDL"]
        commands += numbers.map { "RETR \($0)" }
        commands += numbers.map { "TOP \($0) 0" }
        commands += numbers.map { "LIST \($0)" }
        commands += ["NOOP", "NOOP", "RSET", "NOOP"]
        commands += numbers.map { "UIDL \($0)" }
        commands += ["QUIT"]
        #expect(commands.count == 30)

        let answers = try await POP3Exchange.pipeline(commands, on: connection)
        #expect(answers.count == 30)
        for answer in answers {
            #expect(answer.status.hasPrefix("+OK"), "\(answer.command) → \(answer.status)")
        }
        // Each numbered answer must belong to that number: the UIDL line names the file, and that file's
        // size and bytes are what LIST n, RETR n and TOP n gave, so any reordering shows.
        let uidlList = WireText.lines(try #require(answers[4].body))
        for number in numbers {
            let uidlLine = answers[23 + number].status
            #expect(uidlLine == "+OK \(uidlList[number - 1])")
            let uid = String(uidlList[number - 1].split(separator: " ")[1])
            // Fixture files are named 0001.it, 0002.it, … in the order of `messages`.
            let index = try #require(Int(uid.prefix(4))) - 1
            let message = messages[index]
            let wire = WireText.wireForm(message)
            #expect(
                ByteDifference.between(answers[4 + number].body, WireText.stuffed(wire)) == nil,
                "RETR \(number) is \(uid)")
            #expect(
                ByteDifference.between(answers[9 + number].body, WireText.stuffed(WireText.top(message, bodyLines: 0)))
                    == nil,
                "TOP \(number) 0 is \(uid)")
            #expect(answers[14 + number].status == "+OK \(number) \(wire.count)")
        }
        let total = messages.map { WireText.wireForm($0).count }.reduce(0, +)
        #expect(answers[2].status == "+OK \(messages.count) \(total)")
        #expect(workspace.maildir.messageFiles(user.name).count == messages.count)
        #expect(try await server.stop() == 0)
    }

    @Test func bareLineFeedsAndLowerCaseKeywords() async throws {
        let workspace = try Workspace()
        let user = TestUsers.bob
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.dotLines], user: user.name)
        let server = try await ServerProcess.start(workspace)
        let connection = try await RawConnection.open(port: server.port)
        try await connection.send("user \(user.name)\npass \(user.password)\nstat\nretr 1\nquit\n")
        #expect(try await connection.line().hasPrefix("+OK"))
        #expect(try await connection.line().hasPrefix("+OK"))
        let wire = WireText.wireForm(SampleMessages.dotLines)
        #expect(try await connection.line() == "+OK 1 \(wire.count)")
        #expect(try await connection.line().hasPrefix("+OK"))
        #expect(ByteDifference.between(try await connection.multilineBody(), WireText.stuffed(wire)) == nil)
        #expect(try await connection.line().hasPrefix("+OK"))
        #expect(try await server.stop() == 0)
    }
}
