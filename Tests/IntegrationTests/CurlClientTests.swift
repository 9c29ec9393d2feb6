import Testing

/// curl's POP3 support: a URL without a message lists, `/n` retrieves, a wrong password is refused.
@Suite("curl")
struct CurlClientTests {
    @Test func listsAndRetrieves() async throws {
        let workspace = try Workspace()
        let user = TestUsers.bob
        try await workspace.createUsers([user.name: user.password])
        let messages = [SampleMessages.plainCRLF, SampleMessages.dotLines, SampleMessages.bareLF]
        try workspace.maildir.deliverAll(messages, user: user.name)
        let server = try await ServerProcess.start(workspace)
        let base = "pop3://127.0.0.1:\(server.port)/"
        let credentials = "\(user.name):\(user.password)"

        let list = try await Self.curl(["--user", credentials, base])
        #expect(list.status == 0, "\(list)")
        let sizes = Set(messages.map { WireText.wireForm($0).count })
        let listed = WireText.lines(list.stdout)
        #expect(listed.count == messages.count, "\(list)")
        #expect(Set(listed.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }) == sizes)

        // Every message, whatever the server's numbering, comes back as one of the files, each once.
        var retrieved: [[UInt8]] = []
        for number in 1...messages.count {
            let result = try await Self.curl(["--user", credentials, base + "\(number)"])
            #expect(result.status == 0, "\(result)")
            retrieved.append(result.stdout)
        }
        #expect(ClientAssertions.sameMessages(retrieved, messages), "\(ClientAssertions.summary(retrieved))")

        let missing = try await Self.curl(["--user", credentials, base + "99"])
        #expect(missing.status != 0)
        let refused = try await Self.curl(["--user", "\(user.name):wrong", base])
        #expect(refused.status == 67, "curl exit 67 is 'login denied': \(refused)")
        #expect(workspace.maildir.messageFiles(user.name).count == messages.count)
        #expect(try await server.stop() == 0)
    }

    private static func curl(_ arguments: [String]) async throws -> CommandResult {
        try await ExternalCommand.run("curl", ["--silent", "--show-error", "--max-time", "20"] + arguments)
    }
}
