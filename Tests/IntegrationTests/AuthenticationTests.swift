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
        // Two servers, so each failure below is the first from this address (the delay grows per address).
        let first = try await ServerProcess.start(workspace, options: ["--auth-failure-delay", "2"])
        let second = try await ServerProcess.start(workspace, options: ["--auth-failure-delay", "2"])

        let good = try await Self.timedLogin(user: user.name, password: user.password, port: first.port)
        #expect(good.answer.hasPrefix("+OK"))
        #expect(good.seconds < 1.2, "a good login took \(good.seconds) s")

        async let wrongPassword = Self.failedLogin(user: user.name, password: "wrong", port: first.port)
        async let unknownUser = Self.failedLogin(user: "nobody", password: "wrong", port: second.port)
        let (wrong, unknown) = try await (wrongPassword, unknownUser)
        #expect(wrong.answer == unknown.answer)
        for failure in [wrong, unknown] {
            #expect(failure.answer.hasPrefix("-ERR [AUTH]"))
            #expect(failure.seconds >= 1.9 && failure.seconds < 5, "a failed login took \(failure.seconds) s")
        }
        #expect(abs(wrong.seconds - unknown.seconds) < 0.8)

        // After a failure from this address, a good login is still answered at once.
        let goodAfter = try await Self.timedLogin(user: user.name, password: user.password, port: first.port)
        #expect(goodAfter.answer.hasPrefix("+OK"))
        #expect(goodAfter.seconds < 1.2, "a good login after a failure took \(goodAfter.seconds) s")
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
        let started = Date()
        let answer = try await connection.command("PASS \(password)")
        let seconds = Date().timeIntervalSince(started)
        if answer.hasPrefix("+OK") { _ = try await connection.command("QUIT") }
        return (answer, seconds)
    }
}
