import Foundation
import Testing

/// OAUTHBEARER (RFC 7628) and XOAUTH2 against the real pop3d, with tokens from keys the test makes: the good ones
/// of each algorithm log in; every kind of bad one gets RFC 7628's error challenge, then `-ERR [AUTH]`, and is
/// counted as a failed login with its reason in the log.
@Suite("OAuth bearer tokens")
struct OAuthLoginTests {
    private static func oauthBearer(_ token: String, user: String?, port: Int) -> String {
        let text =
            "n,\(user.map { "a=\($0)" } ?? ""),\u{1}host=127.0.0.1\u{1}port=\(port)\u{1}auth=Bearer \(token)\u{1}\u{1}"
        return Data(text.utf8).base64EncodedString()
    }

    private static func xoauth2(_ token: String, user: String) -> String {
        Data("user=\(user)\u{1}auth=Bearer \(token)\u{1}\u{1}".utf8).base64EncodedString()
    }

    @Test func capaOffersTheMechanismsAndGoodTokensOfEachAlgorithmLogIn() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: user.name)
        let minter = try await TokenMinter.make(in: workspace, user: user.name)
        let server = try await ServerProcess.start(workspace, options: minter.serverOptions)

        let connection = try await RawConnection.open(port: server.port)
        #expect(try await connection.command("CAPA").hasPrefix("+OK"))
        let capabilities = try await connection.multilineLines()
        #expect(capabilities.contains("SASL PLAIN OAUTHBEARER XOAUTH2"), "\(capabilities)")
        connection.close()

        for name in ["rs256", "es256", "eddsa"] {
            let session = try await RawConnection.open(port: server.port)
            let answer = try await session.command(
                "AUTH OAUTHBEARER " + Self.oauthBearer(try minter.token(name), user: user.name, port: server.port))
            #expect(answer == "+OK Logged in.", "\(name): \(answer)\n\(server.transcript)")
            #expect(try await session.command("STAT").hasPrefix("+OK 1 "))
            #expect(try await session.command("QUIT").hasPrefix("+OK"))
            session.close()
        }
        // A token longer than a command line, on the AUTH line and after `+ `.
        let long = try minter.token("long")
        #expect(long.utf8.count > 1_500)
        for continuation in [false, true] {
            let session = try await RawConnection.open(port: server.port)
            let response = Self.oauthBearer(long, user: user.name, port: server.port)
            if continuation {
                #expect(try await session.command("AUTH OAUTHBEARER") == "+ ")
                #expect(try await session.command(response) == "+OK Logged in.")
            } else {
                #expect(try await session.command("AUTH OAUTHBEARER " + response) == "+OK Logged in.")
            }
            session.close()
        }
        // Other commands are still held to 1,024 octets.
        let other = try await RawConnection.open(port: server.port)
        #expect(try await other.command("USER " + String(repeating: "x", count: 1_100)) == "-ERR Line too long.")
        other.close()
        // XOAUTH2 with the token on the line after `+ `, as Thunderbird sends it.
        let session = try await RawConnection.open(port: server.port)
        #expect(try await session.command("AUTH XOAUTH2") == "+ ")
        #expect(try await session.command(Self.xoauth2(try minter.token("rs256"), user: user.name)) == "+OK Logged in.")
        #expect(try await session.command("QUIT").hasPrefix("+OK"))
        session.close()
        // Without an authorization identity the token alone names the user.
        let anonymous = try await RawConnection.open(port: server.port)
        let answer = try await anonymous.command(
            "AUTH OAUTHBEARER " + Self.oauthBearer(try minter.token("eddsa"), user: nil, port: server.port))
        #expect(answer == "+OK Logged in.")
        anonymous.close()

        #expect(await server.waitForLines("login", count: 7))
        #expect(server.lines("login").allSatisfy { $0["auth"] == "oauth" && $0["user"] == user.name })
        #expect(try await server.stop() == 0)
    }

    @Test func badTokensAreRefusedWithTheErrorChallengeAndCountAsFailedLogins() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password, TestUsers.bob.name: TestUsers.bob.password])
        let minter = try await TokenMinter.make(in: workspace, user: user.name)
        // A small fixed delay: each refusal must show it in its log line (the throttle counted it).
        let server = try await ServerProcess.start(
            workspace,
            options: minter.serverOptions + ["--auth-failure-delay", "0.05", "--auth-failure-delay-max", "0.05"])
        let cases: [(token: String, claimed: String?, reason: String)] = [
            ("expired", user.name, "oauth_expired"),
            ("not_yet_valid", user.name, "oauth_not_yet_valid"),
            ("wrong_audience", user.name, "oauth_wrong_audience"),
            ("wrong_issuer", user.name, "oauth_wrong_issuer"),
            ("bad_signature", user.name, "oauth_bad_signature"),
            ("alg_none", user.name, "oauth_algorithm"),
            ("hs256_confusion", user.name, "oauth_algorithm"),
            ("alg_mismatch", user.name, "oauth_algorithm"),
            ("unknown_kid", user.name, "oauth_unknown_key"),
            ("no_kid", user.name, "oauth_unknown_key"),
            ("no_expiry", user.name, "oauth_expired"),
            ("unknown_user", nil, "oauth_unknown_user"),
            ("rs256", TestUsers.bob.name, "oauth_user_mismatch"),
        ]
        for (index, item) in cases.enumerated() {
            let connection = try await RawConnection.open(port: server.port)
            let response = Self.oauthBearer(try minter.token(item.token), user: item.claimed, port: server.port)
            let challenge = try await connection.command("AUTH OAUTHBEARER " + response)
            #expect(challenge == "+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJlciJ9", "\(item.token)")
            #expect(try await connection.command("AQ==") == "-ERR [AUTH] Authentication failed.", "\(item.token)")
            // Still in AUTHORIZATION, and nothing was opened.
            #expect(try await connection.command("STAT") == "-ERR Command not valid in this state.")
            connection.close()
            #expect(await server.waitForLines("login failed", count: index + 1))
            let logged = server.lines("login failed").last
            #expect(logged?["reason"] == item.reason, "\(item.token): \(String(describing: logged))")
            #expect(logged?["delay_ms"] == "50", "\(item.token)")
        }
        #expect(server.lines("login").isEmpty)
        // The recorder writes its rows once per sample interval: wait for the last one.
        _ = try await workspace.waitForRows(
            "SELECT id FROM auth_events WHERE result = 'failed' ORDER BY id LIMIT 1 OFFSET \(cases.count - 1)")
        #expect(
            try await workspace.query("SELECT count(*) FROM auth_events WHERE result = 'failed'") == ["\(cases.count)"])
        #expect(try await server.stop() == 0)
    }

    @Test func curlLogsInWithABearerToken() async throws {
        let workspace = try Workspace()
        let user = TestUsers.bob
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.dotLines], user: user.name)
        let minter = try await TokenMinter.make(in: workspace, user: user.name)
        let server = try await ServerProcess.start(workspace, options: minter.serverOptions)
        let base = "pop3://127.0.0.1:\(server.port)/"
        let curl = ["--silent", "--show-error", "--max-time", "20", "--user", "\(user.name):"]

        let list = try await ExternalCommand.run("curl", curl + ["--oauth2-bearer", try minter.token("es256"), base])
        #expect(list.status == 0, "\(list)\n\(server.transcript)")
        #expect(WireText.lines(list.stdout).count == 2, "\(list)")
        let message = try await ExternalCommand.run(
            "curl", curl + ["--oauth2-bearer", try minter.token("rs256"), base + "1"])
        #expect(message.status == 0, "\(message)")
        let refused = try await ExternalCommand.run(
            "curl", curl + ["--oauth2-bearer", try minter.token("expired"), base])
        #expect(refused.status == 67, "curl exit 67 is 'login denied': \(refused)")
        #expect(try await server.stop() == 0)
    }

    @Test func mpopLogsInWithOAuthBearerAndAPasswordCommand() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll(SampleMessages.mixed, user: user.name)
        let minter = try await TokenMinter.make(in: workspace, user: user.name)
        let server = try await ServerProcess.start(workspace, options: minter.serverOptions)
        let tokenFile = try workspace.writeFile("token", try minter.token("eddsa"), permissions: 0o600)
        let mpop = try MpopAccount(
            workspace: workspace, port: server.port, user: user.name, secret: .command("cat \(tokenFile)"),
            auth: "oauthbearer", keep: true)
        let result = try await mpop.run()
        #expect(result.status == 0, "\(result)\n\(server.transcript)")
        let delivered = try mpop.deliveredFiles()
        #expect(delivered.count == SampleMessages.mixed.count)
        #expect(server.lines("login").first?["auth"] == "oauth")
        #expect(try await server.stop() == 0)
    }

    @Test func aKeySetWithoutUsableKeysStopsTheServer() async throws {
        let workspace = try Workspace()
        // Only an HMAC key: a shared secret is never a key pop3d checks signatures with.
        let jwks = try workspace.writeFile("jwks.json", #"{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}"#)
        let server = try await ServerProcess.launch(
            workspace,
            options: ["--oauth-jwks-file", jwks, "--oauth-issuer", TokenMinter.issuer, "--oauth-audience", "pop3d"])
        #expect(try await server.waitForExit(timeout: 30) == 2, "\(server.transcript)")
        #expect(server.transcript.contains("holds no RSA, P-256 or Ed25519 signing key"))
    }
}
