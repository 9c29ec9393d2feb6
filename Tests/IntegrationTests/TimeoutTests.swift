import Foundation
import Testing

/// Autologout after login and the shorter limit before login, both shortened for the test.
@Suite("Timeouts")
struct TimeoutTests {
    @Test func idleAndSilentConnectionsAreClosed() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        let server = try await ServerProcess.start(
            workspace, options: ["--idle-timeout", "4", "--pre-login-timeout", "2"])

        let idle = try await DeletionTests.login(user, port: server.port)
        let silent = try await RawConnection.connect(port: server.port)
        let busy = try await DeletionTests.login((name: "foo", password: "bar"), port: server.port)
        let started = Date()
        // A session that keeps talking is not logged out (a NOOP every 0.3 s, well inside 4 s even when parallel
        // tests make a sleep run long).
        for _ in 0..<15 {
            try await Task.sleep(for: .milliseconds(300))
            let answer = try await busy.command("NOOP")
            #expect(answer.hasPrefix("+OK"), "NOOP after \(Date().timeIntervalSince(started)) s: \(answer)")
        }

        let (idleBytes, idleClosed) = try await idle.readUntilClosed(timeout: 10)
        #expect(idleClosed, "an idle session was not closed")
        #expect(WireText.lines(idleBytes).last?.hasPrefix("-ERR") == true, "\(WireText.lines(idleBytes))")
        let (silentBytes, silentClosed) = try await silent.readUntilClosed(timeout: 10)
        #expect(silentClosed, "a silent connection was not closed")
        #expect(WireText.lines(silentBytes).first?.hasPrefix("+OK") == true)
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(try await busy.command("QUIT").hasPrefix("+OK"))
        #expect(try await server.stop() == 0)
    }
}
