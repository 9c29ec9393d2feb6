import Foundation
import Testing

/// One log line per connect, login, logout (with counters) and disconnect, each with session= and peer=;
/// session rows in the database after shutdown.
@Suite("Logging")
struct LoggingTests {
    @Test func sessionLinesAndSessionRows() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        let messages = [SampleMessages.plainCRLF, SampleMessages.dotLines, SampleMessages.bareLF]
        try workspace.maildir.deliverAll(messages, user: user.name)
        let server = try await ServerProcess.start(workspace)

        let session = try await DeletionTests.login(user, port: server.port)
        #expect(try await session.command("TOP 1 0").hasPrefix("+OK"))
        _ = try await session.multilineBody()
        for number in 1...2 {
            #expect(try await session.command("RETR \(number)").hasPrefix("+OK"))
            _ = try await session.multilineBody()
        }
        #expect(try await session.command("DELE 3").hasPrefix("+OK"))
        #expect(try await session.command("QUIT").hasPrefix("+OK"))

        let failed = try await RawConnection.open(port: server.port)
        #expect(try await failed.command("USER \(user.name)").hasPrefix("+OK"))
        #expect(try await failed.command("PASS not-it").hasPrefix("-ERR"))
        failed.close()
        #expect(await server.waitForLines("disconnect", count: 2), "\(server.transcript)")

        let connects = server.lines("connect")
        #expect(connects.count == 2)
        let id = try #require(server.lines("login").first?["session"])
        let lines = server.logLines.filter { $0["session"] == id }
        #expect(lines.map(\.message) == ["connect", "login", "logout", "disconnect"], "\(server.log)")
        for line in lines {
            #expect(line["peer"]?.contains("127.0.0.1") == true, "\(line.text)")
        }
        let login = try #require(lines.first { $0.message == "login" })
        #expect(login["user"] == user.name)
        let logout = try #require(lines.first { $0.message == "logout" })
        let total = messages.map { WireText.wireForm($0).count }.reduce(0, +)
        #expect(logout["user"] == user.name)
        #expect(logout["top"] == "1")
        #expect(logout["retr"]?.hasPrefix("2") == true, "\(logout.text)")
        #expect(logout["del"] == "1")
        #expect(logout["size"] == String(total))

        let failedID = try #require(connects.map { $0["session"] }.last { $0 != id } ?? nil)
        let failure = try #require(server.lines("login failed").first)
        #expect(failure["session"] == failedID)
        #expect(failure["user"] == user.name)
        #expect(failure["peer"]?.contains("127.0.0.1") == true)
        #expect(!server.log.contains("not-it"), "a password reached the log")

        #expect(try await server.stop() == 0)
        let rows = try await workspace.query(
            "SELECT session_id, \(workspace.userColumn), retr_count, top_count, dele_count, end_reason FROM sessions "
                + "ORDER BY id")
        #expect(rows.count == 2, "\(rows)")
        #expect(rows.contains("\(id)|\(user.name)|2|1|1|quit"), "\(rows)")
        #expect(rows.contains { $0.hasPrefix("\(failedID)|") }, "\(rows)")
        #expect(try await workspace.query("SELECT count(*) FROM auth_events WHERE result = 'failed'") == ["1"])
        if workspace.backend == .sqlite {
            #expect(try await workspace.query("PRAGMA integrity_check") == ["ok"])
        }
    }
}
