import Foundation
import Testing

/// Failed logins cannot tell unknown users from wrong passwords, are delayed, and good logins are not.
@Suite("Authentication")
struct AuthenticationTests {
    @Test func unknownUserAndWrongPasswordLookTheSame() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        let server = try await ServerProcess.start(workspace)

        let wrongPassword = try await Self.failedLogin(user: user.name, password: "wrong", port: server.port)
        let unknownUser = try await Self.failedLogin(user: "nobody", password: "wrong", port: server.port)
        let emptyPassword = try await Self.failedLogin(user: user.name, password: "", port: server.port)
        #expect(wrongPassword.answer.hasPrefix("-ERR [AUTH]"), "\(wrongPassword.answer)")
        #expect(unknownUser.answer == wrongPassword.answer)
        #expect(emptyPassword.answer.hasPrefix("-ERR"))

        // AUTH PLAIN fails the same way for both.
        let connection = try await RawConnection.open(port: server.port)
        let wrong = Data("\0\(user.name)\0wrong".utf8).base64EncodedString()
        let unknown = Data("\0nobody\0wrong".utf8).base64EncodedString()
        let plainWrong = try await connection.command("AUTH PLAIN \(wrong)")
        #expect(plainWrong.hasPrefix("-ERR [AUTH]"))
        #expect(try await connection.command("AUTH PLAIN \(unknown)") == plainWrong)
        // The seed user works until someone changes it.
        #expect(try await connection.command("USER foo").hasPrefix("+OK"))
        #expect(try await connection.command("PASS bar").hasPrefix("+OK"))
        #expect(try await connection.command("QUIT").hasPrefix("+OK"))

        #expect(!server.log.contains(user.password), "a password reached the log")
        #expect(try await server.stop() == 0)
    }

    @Test func failedLoginsAreDelayedGoodOnesAreNot() async throws {
        let workspace = try Workspace()
        let user = TestUsers.bob
        try await workspace.createUsers([user.name: user.password])
        // Bounds derive from the configured delay: a delayed answer can never come before it (exact), the first
        // failure from an address gets the base delay and not the doubled one (below 2×), and "at once" means
        // before the delay. The server's log states each delay it applied.
        let delay = 3.0
        let options = ["--auth-failure-delay", "\(Int(delay))"]
        // Two servers, so each failure below is the first from this address (the delay grows per address).
        let secondDatabase = try await workspace.separateDatabase("second.sqlite")
        let first = try await ServerProcess.start(workspace, options: options)
        let second = try await ServerProcess.start(workspace, options: options + secondDatabase)

        let good = try await Self.timedLogin(user: user.name, password: user.password, port: first.port)
        #expect(good.answer.hasPrefix("+OK"))
        #expect(good.seconds < delay, "a good login took \(good.seconds) s")

        async let wrongPassword = Self.failedLogin(user: user.name, password: "wrong", port: first.port)
        async let unknownUser = Self.failedLogin(user: "nobody", password: "wrong", port: second.port)
        let (wrong, unknown) = try await (wrongPassword, unknownUser)
        #expect(wrong.answer == unknown.answer)
        for failure in [wrong, unknown] {
            #expect(failure.answer.hasPrefix("-ERR [AUTH]"))
            #expect(failure.seconds >= delay - 0.05 && failure.seconds < 2 * delay, "took \(failure.seconds) s")
        }
        #expect(abs(wrong.seconds - unknown.seconds) < delay / 2)
        for server in [first, second] {
            #expect(await server.waitForLine { $0.message == "login failed" } != nil)
            #expect(server.lines("login failed").map { $0["delay_ms"] } == ["3000"], "\(server.log)")
        }

        // After a failure from this address, a good login is still answered at once.
        let goodAfter = try await Self.timedLogin(user: user.name, password: user.password, port: first.port)
        #expect(goodAfter.answer.hasPrefix("+OK"))
        #expect(goodAfter.seconds < delay, "a good login after a failure took \(goodAfter.seconds) s")
        #expect(try await first.stop() == 0)
        #expect(try await second.stop() == 0)
    }

    private static func failedLogin(user: String, password: String, port: Int) async throws -> (
        answer: String, seconds: Double
    ) {
        try await timedLogin(user: user, password: password, port: port)
    }

    /// USER, then PASS timed; the connection is closed afterwards.
    private static func timedLogin(user: String, password: String, port: Int) async throws -> (
        answer: String, seconds: Double
    ) {
        let connection = try await RawConnection.open(port: port)
        defer { connection.close() }
        let userAnswer = try await connection.command("USER \(user)")
        guard userAnswer.hasPrefix("+OK") else { return (userAnswer, 0) }
        let (answer, seconds) = try await connection.timedCommand("PASS \(password)")
        if answer.hasPrefix("+OK") { _ = try await connection.command("QUIT") }
        return (answer, seconds)
    }
}
