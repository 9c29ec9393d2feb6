import Foundation
import Testing

/// `--log-format json`: every stdout line is one JSON object; session lines carry session, peer, user, counters.
@Suite("JSON logs")
struct JSONLogTests {
    @Test func sessionLinesAsJSON() async throws {
        let workspace = try Workspace()
        // A non-ASCII password and user name checks the escaping on the real path (the user name is logged).
        let user = (name: "zoë", password: "p\"w\\d ü")
        try await workspace.createUsers([user.name: user.password])
        let messages = [SampleMessages.plainCRLF, SampleMessages.dotLines, SampleMessages.bareLF]
        try workspace.maildir.deliverAll(messages, user: user.name)
        let server = try await JSONLogServer(workspace)
        let port = try await server.port()

        let session = try await DeletionTests.login(user, port: port)
        #expect(try await session.command("TOP 1 0").hasPrefix("+OK"))
        _ = try await session.multilineBody()
        #expect(try await session.command("RETR 2").hasPrefix("+OK"))
        _ = try await session.multilineBody()
        #expect(try await session.command("DELE 3").hasPrefix("+OK"))
        #expect(try await session.command("QUIT").hasPrefix("+OK"))
        let failed = try await RawConnection.open(port: port)
        #expect(try await failed.command("USER q\"u\\ö").hasPrefix("+OK"))
        #expect(try await failed.command("PASS nope").hasPrefix("-ERR"))
        failed.close()
        #expect(await server.waitFor("disconnect", count: 2) != nil, "\(server.transcript)")
        #expect(try await server.stop() == 0)

        // An independent parser: Python's json module, line by line.
        let check = try await ExternalCommand.run(
            "python3",
            [
                "-c",
                "import json,sys\nn=0\nfor l in sys.stdin.buffer.read().split(b'\\n')[:-1]:\n"
                    + " o=json.loads(l)\n assert isinstance(o,dict) and {'time','level','label','message'} <= o.keys(), l\n n+=1\nprint(n)",
            ], input: Array(server.log.utf8))
        #expect(check.status == 0, "\(check)")
        #expect(server.log.hasSuffix("\n"))
        let lineCount = server.log.split(separator: "\n").count
        #expect(check.output.trimmingCharacters(in: .whitespacesAndNewlines) == String(lineCount))
        #expect(server.objects.count == lineCount)
        #expect(!server.log.contains("nope") && !server.log.contains("p\\\"w"), "a password reached the log")

        let objects = server.objects
        for object in objects {
            let time = try #require(object["time"] as? String)
            #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(time)")
            #expect(
                ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(
                    object["level"] as? String))
        }
        let login = try #require(objects.first { $0["message"] as? String == "login" })
        let id = try #require(login["session"] as? String)
        let lines = objects.filter { $0["session"] as? String == id }
        #expect(lines.map { $0["message"] as? String } == ["connect", "login", "logout", "disconnect"])
        for line in lines { #expect(line["peer"] as? String == "127.0.0.1", "\(line)") }
        #expect(login["user"] as? String == user.name)
        let logout = try #require(lines.first { $0["message"] as? String == "logout" })
        #expect(logout["user"] as? String == user.name)
        #expect(logout["top"] as? String == "1")
        #expect((logout["retr"] as? String)?.hasPrefix("1/") == true, "\(logout)")
        #expect(logout["del"] as? String == "1")
        let total = messages.map { WireText.wireForm($0).count }.reduce(0, +)
        #expect(logout["size"] as? String == String(total))
        #expect(Int(logout["out"] as? String ?? "") ?? 0 > 0)

        let failure = try #require(objects.first { $0["message"] as? String == "login failed" })
        #expect(failure["user"] as? String == "q\"u\\ö")
        #expect(failure["peer"] as? String == "127.0.0.1")
        #expect(failure["session"] as? String != id)
    }
}
