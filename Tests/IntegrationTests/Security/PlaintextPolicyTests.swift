import Testing

extension SecurityIntegrationTests {
    /// With TLS configured, USER/PASS and AUTH PLAIN in clear are for local networks only. The loopback
    /// source 127.0.0.2 stands in for a remote client when `--local-network 127.0.0.1/32` narrows "local".
    @Suite("Plain-text login policy")
    struct PlaintextPolicyTests {
        private static let user = TestUsers.alice
        private static let remote = "127.0.0.2"
        private static let narrowLocal = ["--local-network", "127.0.0.1/32"]

        /// Every way to log in without TLS, each on its own connection, then one login after STLS.
        private static let attempts: [[String]] = [
            ["CAPA", "AUTH"],
            SourceBoundSessions.login(user.name, user.password),
            [SourceBoundSessions.authPlain(user.name, user.password)],
            ["AUTH PLAIN", SourceBoundSessions.plainResponse(user.name, user.password)],
        ]

        @Test func remoteClientsMustUseTLSWhenItIsConfigured() async throws {
            let workspace = try Workspace()
            try await workspace.createUsers([Self.user.name: Self.user.password])
            let certificate = try await TestCertificate.make(in: workspace)
            let server = try await ServerProcess.start(workspace, options: certificate.options + Self.narrowLocal)
            let sessions = try await SourceBoundSessions.run(
                Self.attempts + [["STLS", "CAPA"] + SourceBoundSessions.login(Self.user.name, Self.user.password)],
                from: Self.remote, port: server.port, in: workspace)

            let capa = sessions[0][0]
            #expect(capa.isOK)
            #expect(capa.lines.contains("STLS"), "\(capa.lines)")
            #expect(!capa.lines.contains("USER"), "\(capa.lines)")
            #expect(!capa.lines.contains { $0.hasPrefix("SASL") }, "\(capa.lines)")
            #expect(capa.lines.contains("RESP-CODES") && capa.lines.contains("PIPELINING"))
            let bareAuth = sessions[0][1]
            #expect(bareAuth.isOK && bareAuth.lines.isEmpty, "no mechanism is offered in clear: \(bareAuth.lines)")

            let user = sessions[1]
            #expect(user[0].answer.hasPrefix("-ERR [AUTH]"), "USER: \(user[0].answer)")
            #expect(user[1].answer.hasPrefix("-ERR"), "PASS: \(user[1].answer)")
            #expect(!user[1].isOK)
            #expect(sessions[2][0].answer.hasPrefix("-ERR [AUTH]"), "AUTH PLAIN <ir>: \(sessions[2][0].answer)")
            let plainWithoutInitial = sessions[3]
            #expect(plainWithoutInitial[0].answer.hasPrefix("-ERR [AUTH]"), "AUTH PLAIN: \(plainWithoutInitial[0])")
            #expect(!(plainWithoutInitial.answers.last?.isOK ?? false))

            let encrypted = sessions[4]
            #expect(encrypted[0].isOK && encrypted[0].tlsVersion != nil)
            #expect(encrypted[1].lines.contains("USER") && encrypted[1].lines.contains("SASL PLAIN"))
            #expect(encrypted[3].answer == "+OK Logged in.", "after STLS the remote client may log in: \(encrypted[3])")
            #expect(server.lines("login").count == 1)
            #expect(server.lines("login").first?["peer"] == Self.remote)

            // From the local network, the same server accepts plain text.
            let local = try await SourceBoundSessions.run(
                Self.attempts, from: "127.0.0.1", port: server.port, in: workspace)
            #expect(local[0][0].lines.contains("USER") && local[0][0].lines.contains("SASL PLAIN"))
            #expect(local[0][0].lines.contains("STLS"))
            #expect(local[0][1].lines == ["PLAIN"])
            #expect(local[1][1].answer == "+OK Logged in.", "\(local[1].answers)")
            #expect(local[2][0].answer == "+OK Logged in.", "\(local[2].answers)")
            #expect(local[3][1].answer == "+OK Logged in.", "\(local[3].answers)")
            #expect(try await server.stop() == 0)
        }

        @Test func allowPlaintextAuthLetsRemoteClientsLogInInClear() async throws {
            let workspace = try Workspace()
            try await workspace.createUsers([Self.user.name: Self.user.password])
            let certificate = try await TestCertificate.make(in: workspace)
            let server = try await ServerProcess.start(
                workspace, options: certificate.options + Self.narrowLocal + ["--allow-plaintext-auth"])
            let sessions = try await SourceBoundSessions.run(
                Self.attempts, from: Self.remote, port: server.port, in: workspace)
            #expect(sessions[0][0].lines.contains("USER") && sessions[0][0].lines.contains("STLS"))
            #expect(sessions[1][1].answer == "+OK Logged in.", "\(sessions[1].answers)")
            #expect(sessions[2][0].answer == "+OK Logged in.", "\(sessions[2].answers)")
            #expect(sessions[3][1].answer == "+OK Logged in.", "\(sessions[3].answers)")
            #expect(try await server.stop() == 0)
        }

        /// Without TLS there is nothing better to offer: plain text is allowed from anywhere. With the default
        /// local network (all of 127.0.0.0/8), 127.0.0.2 is local.
        @Test func withoutTLSOrWithTheDefaultLocalNetworkPlainTextIsAllowed() async throws {
            let workspace = try Workspace()
            try await workspace.createUsers([Self.user.name: Self.user.password])
            let certificate = try await TestCertificate.make(in: workspace)
            let secondDatabase = try await workspace.separateDatabase("second.sqlite")
            let noTLS = try await ServerProcess.start(workspace, options: Self.narrowLocal)
            let defaultLocal = try await ServerProcess.start(workspace, options: certificate.options + secondDatabase)
            for server in [noTLS, defaultLocal] {
                let sessions = try await SourceBoundSessions.run(
                    [["CAPA"] + SourceBoundSessions.login(Self.user.name, Self.user.password)], from: Self.remote,
                    port: server.port, in: workspace)
                #expect(sessions[0][0].lines.contains("USER"))
                #expect(sessions[0][0].lines.contains("STLS") == (server === defaultLocal))
                #expect(sessions[0][2].answer == "+OK Logged in.", "\(server.options): \(sessions[0].answers)")
                #expect(try await server.stop() == 0)
            }
        }
    }
}
