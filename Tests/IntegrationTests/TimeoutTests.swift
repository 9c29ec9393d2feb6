import Foundation
import Testing

/// Autologout after login and the shorter limit before login, both shortened for the test.
@Suite("Timeouts")
struct TimeoutTests {
    @Test func idleAndSilentConnectionsAreClosed() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        // Far from the busy client's pace (a NOOP every 0.2 s): a loaded machine can stall a thread for seconds
        // (seen: a 4 s timeout missed once in 60 runs beside a busy core), never for ten.
        let idleTimeout = 10.0
        // The busy client's own login must also beat this one: under a load of 15 to 30 on two cores, 3 s did not
        // always suffice (it was closed before its PASS was answered and its next NOOP met a closed socket).
        let preLoginTimeout = 8.0
        let server = try await ServerProcess.start(
            workspace,
            options: ["--idle-timeout", "\(Int(idleTimeout))", "--pre-login-timeout", "\(Int(preLoginTimeout))"])

        // Each "since" is taken before the client's last word, so never after the server started counting.
        let idleSince = Date()
        let idle = try await DeletionTests.login(user, port: server.port)
        let silentSince = Date()
        let silent = try await RawConnection.connect(port: server.port)
        // A session that keeps talking is not logged out. It runs on a thread of its own from connect to QUIT, so a
        // busy task pool cannot stretch its pauses: a NOOP every 0.2 s (50 per idle timeout) until the server has
        // timed out the other two, and every answer must be +OK.
        let port = server.port
        let answers = try await Blocking.run { () throws -> [String] in
            let busy = try RawConnection.connectBlocking(port: port)
            var answers = [try busy.lineBlocking()]
            answers += [try busy.commandBlocking("USER foo"), try busy.commandBlocking("PASS bar")]
            let deadline = Date().addingTimeInterval(60)
            while server.lines("idle timeout").count < 2, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.2)
                answers.append(try busy.commandBlocking("NOOP"))
            }
            answers.append(try busy.commandBlocking("QUIT"))
            return answers
        }
        #expect(server.lines("idle timeout").count == 2, "\(server.transcript)")
        #expect(answers.count >= 6, "\(answers)")
        #expect(answers.allSatisfy { $0.hasPrefix("+OK") }, "\(answers)")

        let (idleBytes, idleClosed) = try await idle.readUntilClosed(timeout: 30)
        #expect(idleClosed, "an idle session was not closed")
        #expect(WireText.lines(idleBytes).last?.hasPrefix("-ERR") == true, "\(WireText.lines(idleBytes))")
        #expect(Date().timeIntervalSince(idleSince) >= idleTimeout, "the idle session was closed early")
        let (silentBytes, silentClosed) = try await silent.readUntilClosed(timeout: 30)
        #expect(silentClosed, "a silent connection was not closed")
        #expect(WireText.lines(silentBytes).first?.hasPrefix("+OK") == true)
        #expect(Date().timeIntervalSince(silentSince) >= preLoginTimeout, "the silent connection was closed early")

        // The busy session ended with its QUIT, the idle one by the timeout.
        #expect(await server.waitForLines("logout", count: 2))
        let reasons = server.lines("logout").map { "\($0["user"] ?? "?") \($0["reason"] ?? "?")" }.sorted()
        #expect(reasons == ["alice timeout", "foo quit"], "\(server.log)")
        #expect(try await server.stop() == 0)
    }
}
