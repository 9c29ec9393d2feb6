import Storage
import Testing

extension SecurityIntegrationTests {
    /// The failed-login delay per client address: base, doubling to the maximum, not growing for a repeated
    /// password, reset only by the same user's success (never by another account's); the same for unknown users and
    /// wrong passwords. A connection closes after its third failure. Each address runs in parallel (the penalty is
    /// per address), so the test takes about as long as the longest sequence.
    @Suite("Login delays")
    struct LoginDelayTests {
        private static let user = TestUsers.alice
        /// The base delay of the servers below, in seconds. A measured delay is never below the configured one (the
        /// answer is scheduled for it), and a delay of one level must stay below the level above, so each is
        /// expected in [delay, delay + base): a base's worth of room for a busy machine.
        private static let base = 1.0

        private static func failures(_ passwords: [String], user: String = user.name) -> [String] {
            passwords.flatMap { ["USER \(user)", "PASS \($0)"] }
        }

        /// The answers to PASS only.
        private static func passAnswers(_ session: SourceBoundSessions.Session) -> [SourceBoundSessions.Answer] {
            session.answers.filter { $0.command.hasPrefix("PASS ") }
        }

        private static func expectDelays(
            _ answers: [SourceBoundSessions.Answer], _ expected: [Double], _ label: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(answers.count == expected.count, "\(label): \(answers)", sourceLocation: sourceLocation)
            for (answer, delay) in zip(answers, expected) {
                #expect(
                    answer.seconds >= delay - 0.05 && answer.seconds < delay + base,
                    "\(label): \(answer.command) took \(answer.seconds) s, expected about \(delay) s",
                    sourceLocation: sourceLocation)
            }
        }

        @Test func delaysGrowPerAddressAndReset() async throws {
            let workspace = try Workspace()
            let user = Self.user
            try await workspace.createUsers([user.name: user.password, "u1": "p1", "u2": "p2", "u3": "p3"])
            let raisedCostDatabase = try await workspace.separateDatabase("raised-cost.sqlite")
            let server = try await ServerProcess.start(
                workspace, options: ["--auth-failure-delay", "1", "--auth-failure-delay-max", "4"])
            // The users' hashes are at cost 10; this server makes new ones (and its unknown-user decoy) at 16,
            // as after an operator raised --password-cost or imported cheaper hashes.
            // Its delay (4 s) is several times the decoy's hashing time, so the delay hides it even on a busy machine.
            let raisedCost = try await ServerProcess.start(
                workspace,
                options: ["--auth-failure-delay", "4", "--auth-failure-delay-max", "4", "--password-cost", "16"]
                    + raisedCostDatabase)
            // What an unmasked decoy would add to an unknown user's answer: one hash at the raised cost, here.
            let decoySeconds = try await Blocking.run {
                let elapsed = try ContinuousClock().measure { _ = try PasswordHasher(cost: 16).hash("decoy") }
                return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            }
            let port = server.port

            async let growing = SourceBoundSessions.run(
                [Self.failures(["wrong 1", "wrong 2", "wrong 3"]), Self.failures(["wrong 4"])], from: "127.0.0.3",
                port: port, in: workspace)
            async let resetting = SourceBoundSessions.run(
                [
                    Self.failures(["wrong 1", "wrong 2"]),
                    SourceBoundSessions.login(user.name, user.password) + ["QUIT"],
                    Self.failures(["wrong 3", "wrong 4"]),
                ], from: "127.0.0.4", port: port, in: workspace)
            async let repeated = SourceBoundSessions.run(
                [Self.failures(["stale", "stale"]), Self.failures(["stale", "new guess"])], from: "127.0.0.5",
                port: port, in: workspace)
            // An attacker with an account of their own logs in to it between guesses at someone else's.
            async let ownAccount = SourceBoundSessions.run(
                [
                    Self.failures(["guess 1", "guess 2"]), SourceBoundSessions.login("u1", "p1") + ["QUIT"],
                    Self.failures(["guess 3"]),
                ], from: "127.0.0.11", port: port, in: workspace)
            async let unknownUser = SourceBoundSessions.run(
                [Self.failures(["some guess"], user: "nobody")], from: "127.0.0.6", port: port, in: workspace)
            async let wrongPassword = SourceBoundSessions.run(
                [Self.failures(["some guess"])], from: "127.0.0.7", port: port, in: workspace)
            // Password spraying: one password over many user names is a new guess each time, not "a client
            // retrying a stale saved password", so it should escalate like any other.
            async let spraying = SourceBoundSessions.run(
                [["USER u1", "PASS Spring2026!", "USER u2", "PASS Spring2026!", "USER u3", "PASS Spring2026!"]],
                from: "127.0.0.8", port: port, in: workspace)
            async let unknownAtRaisedCost = SourceBoundSessions.run(
                [Self.failures(["guess 1", "guess 2"], user: "nobody")], from: "127.0.0.9", port: raisedCost.port,
                in: workspace)
            async let wrongAtRaisedCost = SourceBoundSessions.run(
                [Self.failures(["guess 1", "guess 2"])], from: "127.0.0.10", port: raisedCost.port, in: workspace)
            let (grown, reset, same, unknown, wrong, spray) = try await (
                growing, resetting, repeated, unknownUser, wrongPassword, spraying
            )
            let (unknownRaised, wrongRaised) = try await (unknownAtRaisedCost, wrongAtRaisedCost)
            let own = try await ownAccount

            Self.expectDelays(
                Self.passAnswers(grown[0]) + Self.passAnswers(grown[1]), [1, 2, 4, 4], "different wrong passwords")
            for answer in Self.passAnswers(grown[0]) { #expect(answer.answer.hasPrefix("-ERR [AUTH]")) }
            #expect(
                grown[0].answers.last?.answer == "-ERR [AUTH] Authentication failed; too many failures, closing.",
                "the third failure ends the connection: \(grown[0])")
            // The log states each delay.
            let logged = server.lines("login failed").filter { $0["peer"] == "127.0.0.3" }.compactMap { $0["delay_ms"] }
            #expect(logged == ["1000", "2000", "4000", "4000"], "\(logged)")

            Self.expectDelays(Self.passAnswers(reset[0]), [1, 2], "before a success")
            let good = Self.passAnswers(reset[1])
            #expect(good.first?.answer == "+OK Logged in.")
            #expect((good.first?.seconds ?? 99) < Self.base, "a good login is never delayed: \(good)")
            Self.expectDelays(Self.passAnswers(reset[2]), [1, 2], "after a success")

            Self.expectDelays(
                Self.passAnswers(same[0]) + Self.passAnswers(same[1]), [1, 1, 1, 2], "the same wrong password repeated")

            #expect(own[1].answers.contains { $0.answer == "+OK Logged in." }, "\(own)")
            Self.expectDelays(
                Self.passAnswers(own[0]) + Self.passAnswers(own[2]), [1, 2, 4],
                "guesses at another user, around a login to one's own account")

            let unknownAnswer = try #require(Self.passAnswers(unknown[0]).first)
            let wrongAnswer = try #require(Self.passAnswers(wrong[0]).first)
            #expect(unknownAnswer.answer == wrongAnswer.answer)
            #expect(unknownAnswer.answer.hasPrefix("-ERR [AUTH]"))
            #expect(unknown[0][0].answer == wrong[0][0].answer, "USER answers the same for both")
            Self.expectDelays([unknownAnswer, wrongAnswer], [1, 1], "unknown user and wrong password")
            #expect(abs(unknownAnswer.seconds - wrongAnswer.seconds) < Self.base / 2)

            let sprayDelays = Self.passAnswers(spray[0]).map(\.seconds)
            #expect(sprayDelays.count == 3)
            #expect(sprayDelays.count == 3 && sprayDelays[1] >= 1.9 && sprayDelays[2] >= 3.9, "\(sprayDelays)")

            // The same delay must also mean the same time when stored hashes are cheaper than the decoy.
            let unknownTimes = Self.passAnswers(unknownRaised[0]).map(\.seconds)
            let wrongTimes = Self.passAnswers(wrongRaised[0]).map(\.seconds)
            #expect(unknownTimes.count == 2 && wrongTimes.count == 2)
            // Both wait out the whole delay; what differs may not come near the decoy's own hashing time.
            for (unknownTime, wrongTime) in zip(unknownTimes, wrongTimes) {
                #expect(
                    unknownTime >= 4 - 0.05 && wrongTime >= 4 - 0.05, "unknown \(unknownTimes), wrong \(wrongTimes)")
                #expect(
                    abs(unknownTime - wrongTime) < decoySeconds / 2,
                    "unknown \(unknownTimes) s, wrong \(wrongTimes) s, a decoy hash \(decoySeconds) s")
            }
            #expect(try await server.stop() == 0)
            #expect(try await raisedCost.stop() == 0)
        }
    }
}
