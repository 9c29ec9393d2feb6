import Foundation
import Testing

extension SecurityIntegrationTests {
    /// STLS (RFC 2595) and the implicit-TLS port (RFC 8314) with real clients: openssl s_client, curl, python.
    @Suite("TLS")
    struct TLSTests {
        @Test func realClientsLogInAndRetrieveOverSTLSAndImplicitTLS() async throws {
            let workspace = try Workspace()
            let user = TestUsers.alice
            try await workspace.createUsers([user.name: user.password])
            try workspace.maildir.deliverAll([SampleMessages.dotLines], user: user.name)
            let certificate = try await TestCertificate.make(in: workspace)
            let server = try await ServerProcess.start(workspace, options: certificate.options + ["--tls-port", "0"])
            let tlsPort = try await ServerAddresses.tlsPort(of: server)
            #expect(tlsPort != server.port)
            let expected = SampleMessages.dotLines

            // openssl speaks POP3 up to STLS itself; everything after goes through TLS. -quiet implies -ign_eof,
            // so it waits for the server to close after QUIT.
            let session = "USER \(user.name)\r\nPASS \(user.password)\r\nRETR 1\r\nQUIT\r\n"
            let openssl = try await ExternalCommand.run(
                "openssl", ["s_client", "-starttls", "pop3", "-connect", "127.0.0.1:\(server.port)", "-quiet"],
                input: Array(session.utf8), timeout: 20)
            #expect(openssl.status == 0, "\(openssl)")
            let lines = WireText.lines(openssl.stdout)
            #expect(lines.contains("+OK Logged in."), "\(openssl)")
            #expect(lines.contains { $0.hasPrefix("+OK \(WireText.wireForm(expected).count) octets") }, "\(openssl)")
            #expect(lines.last == "+OK Logging out.", "\(openssl)")
            let body = WireText.stuffed(WireText.wireForm(expected))
            #expect(openssl.output.contains(String(decoding: body, as: UTF8.self)), "RETR over STLS: \(openssl)")

            // curl: --ssl-reqd fails unless STLS is offered and the upgrade succeeds; pop3s is implicit TLS.
            let credentials = "\(user.name):\(user.password)"
            let viaSTLS = try await Self.curl([
                "--ssl-reqd", "--user", credentials, "pop3://127.0.0.1:\(server.port)/1",
            ])
            #expect(viaSTLS.status == 0, "\(viaSTLS)")
            let viaImplicit = try await Self.curl(["--user", credentials, "pop3s://127.0.0.1:\(tlsPort)/1"])
            #expect(viaImplicit.status == 0, "\(viaImplicit)")
            #expect(ClientAssertions.sameMessages([viaSTLS.stdout, viaImplicit.stdout], [expected, expected]))
            // On the implicit-TLS port CAPA offers logins but no STLS, and STLS is refused.
            let implicit = try await ExternalCommand.run(
                "openssl", ["s_client", "-connect", "127.0.0.1:\(tlsPort)", "-quiet"],
                input: Array("CAPA\r\nSTLS\r\nQUIT\r\n".utf8), timeout: 20)
            let implicitLines = WireText.lines(implicit.stdout)
            #expect(implicitLines.contains("USER") && implicitLines.contains("SASL PLAIN"), "\(implicit)")
            #expect(!implicitLines.contains("STLS"), "\(implicit)")
            #expect(implicitLines.contains { $0.hasPrefix("-ERR") }, "a second TLS layer: \(implicit)")
            #expect(implicitLines.last == "+OK Logging out.", "\(implicit)")
            // A plain-text client on the implicit-TLS port gets no POP3 greeting in clear.
            let clear = try await RawConnection.connect(port: tlsPort)
            try await clear.send("CAPA\r\n")
            let (bytes, _) = try await clear.readUntilClosed(timeout: 30)
            #expect(!String(decoding: bytes, as: UTF8.self).contains("+OK"))
            clear.close()

            #expect(await server.waitForLines("logout", count: 3))
            #expect(server.lines("login").count == 3)
            #expect(try await server.stop() == 0)
        }

        @Test func tlsBelowVersion1Point2IsRefused() async throws {
            let workspace = try Workspace()
            let certificate = try await TestCertificate.make(in: workspace)
            let server = try await ServerProcess.start(workspace, options: certificate.options + ["--tls-port", "0"])
            let tlsPort = try await ServerAddresses.tlsPort(of: server)
            // SECLEVEL=0 lets this openssl offer TLS 1.0/1.1 at all, so the refusal is the server's.
            for version in ["-tls1", "-tls1_1"] {
                let old = try await ExternalCommand.run(
                    "openssl",
                    [
                        "s_client", "-connect", "127.0.0.1:\(tlsPort)", version, "-cipher", "DEFAULT@SECLEVEL=0",
                        "-quiet",
                    ],
                    input: Array("QUIT\r\n".utf8), timeout: 20)
                #expect(old.status != 0, "\(version): \(old)")
                #expect(!old.output.contains("+OK"), "\(version): \(old)")
                #expect(old.errors.contains("alert protocol version"), "\(version) refused by the server: \(old)")
            }
            for version in ["-tls1_2", "-tls1_3"] {
                let current = try await ExternalCommand.run(
                    "openssl", ["s_client", "-connect", "127.0.0.1:\(tlsPort)", version, "-quiet"],
                    input: Array("QUIT\r\n".utf8), timeout: 20)
                #expect(
                    WireText.lines(current.stdout) == ["+OK pop3d ready.", "+OK Logging out."], "\(version): \(current)"
                )
            }
            #expect(try await server.stop() == 0)
        }

        /// RFC 2595 section 4: CAPA lists STLS before and not after; whatever the client pipelined behind STLS
        /// is discarded, not executed inside the encrypted session (command injection, CVE-2011-0411 style).
        @Test func stlsDiscardsPipelinedInputAndCAPAChanges() async throws {
            let workspace = try Workspace()
            let user = TestUsers.bob
            try await workspace.createUsers([user.name: user.password])
            let certificate = try await TestCertificate.make(in: workspace)
            let server = try await ServerProcess.start(
                workspace, options: certificate.options + ["--auth-failure-delay", "0.3"])
            let sessions = try await SourceBoundSessions.run(
                [
                    ["CAPA", "STLS\r\nNOOP", "CAPA", "NOOP", "STLS"],
                    // An injected USER must not survive the handshake: PASS alone then has no user.
                    [
                        "STLS\r\nUSER \(user.name)", "PASS \(user.password)", "USER \(user.name)",
                        "PASS \(user.password)",
                    ],
                    ["USER \(user.name)", "STLS", "PASS \(user.password)"],
                    // STLS waiting behind a delayed failed login: what follows it is discarded all the same.
                    [
                        "USER \(user.name)\r\nPASS wrong\r\nSTLS\r\nUSER \(user.name)\r\nNOOP", "PASS \(user.password)",
                        "CAPA",
                    ],
                ],
                from: "127.0.0.1", port: server.port, in: workspace)

            let plain = sessions[0]
            #expect(plain.greeting.hasPrefix("+OK"))
            #expect(plain[0].lines.contains("STLS"), "\(plain[0].lines)")
            #expect(plain[0].lines.contains("USER"))
            #expect(plain[1].answer.hasPrefix("+OK"), "STLS: \(plain[1].answer)")
            #expect(plain[1].leftover == "", "octets after the STLS +OK in clear: \(plain[1].leftover ?? "nil")")
            #expect(["TLSv1.2", "TLSv1.3"].contains(plain[1].tlsVersion ?? ""))
            // The first answer in TLS is CAPA's: the pipelined NOOP was never executed.
            #expect(plain[2].answer == "+OK Capability list follows", "first answer after the handshake")
            #expect(!plain[2].lines.contains("STLS"), "\(plain[2].lines)")
            #expect(plain[2].lines.contains("USER") && plain[2].lines.contains("SASL PLAIN"), "\(plain[2].lines)")
            #expect(plain[3].answer.hasPrefix("-ERR"), "NOOP before login is still refused: \(plain[3].answer)")
            #expect(plain[4].answer.hasPrefix("-ERR"), "a second STLS: \(plain[4].answer)")

            let injected = sessions[1]
            #expect(injected[0].leftover == "")
            #expect(injected[1].answer.hasPrefix("-ERR"), "PASS after an injected USER: \(injected[1].answer)")
            #expect(!injected[1].answer.hasPrefix("-ERR [AUTH]"), "it must not even try: \(injected[1].answer)")
            #expect(injected[2].isOK && injected[3].answer == "+OK Logged in.", "\(injected.answers)")

            let earlyUser = sessions[2]
            #expect(earlyUser[1].isOK)
            #expect(earlyUser[2].answer.hasPrefix("-ERR"), "USER from before STLS carried over: \(earlyUser[2].answer)")
            let queued = sessions[3]
            #expect(queued[0].lines.count == 2 && queued[0].lines[1].hasPrefix("-ERR [AUTH]"), "\(queued[0])")
            #expect(queued[0].answer.hasPrefix("+OK") && queued[0].leftover == "", "\(queued[0])")
            #expect(queued[1].answer.hasPrefix("-ERR"), "PASS after a queued, injected USER: \(queued[1].answer)")
            #expect(!queued[1].answer.hasPrefix("-ERR [AUTH]"), "\(queued[1].answer)")
            #expect(queued[2].answer == "+OK Capability list follows", "the queued NOOP ran: \(queued[2])")
            #expect(server.lines("login").count == 1)
            #expect(try await server.stop() == 0)
        }

        /// SIGHUP re-reads the certificate for new connections; a broken file keeps the old one.
        @Test func sighupReloadsTheCertificate() async throws {
            let workspace = try Workspace()
            let first = try await TestCertificate.make(in: workspace, commonName: "first.test")
            let server = try await ServerProcess.start(workspace, options: first.options + ["--tls-port", "0"])
            let tlsPort = try await ServerAddresses.tlsPort(of: server)
            let pid = try ServerAddresses.processID(of: workspace)
            #expect(try await Self.subject(port: tlsPort, in: workspace).contains("first.test"))

            let held = try await RawConnection.open(port: server.port)
            _ = try await TestCertificate.make(
                in: workspace, commonName: "second.test", certificatePath: first.certificatePath,
                keyPath: first.keyPath)
            kill(pid, SIGHUP)
            #expect(await server.waitForLine(where: { $0.message == "TLS certificate reloaded" }) != nil)
            #expect(try await Self.subject(port: tlsPort, in: workspace).contains("second.test"))
            #expect(try await held.command("CAPA").hasPrefix("+OK"), "a session survives the reload")
            _ = try await held.multilineLines()

            try workspace.writeFile("server.cert.pem", "not a certificate\n")
            kill(pid, SIGHUP)
            #expect(await server.waitForLine(where: { $0.message.hasPrefix("TLS reload failed") }) != nil)
            #expect(try await Self.subject(port: tlsPort, in: workspace).contains("second.test"))
            #expect(server.isRunning)
            #expect(try await server.stop() == 0)
        }

        private static func curl(_ arguments: [String]) async throws -> CommandResult {
            try await ExternalCommand.run(
                "curl", ["--silent", "--show-error", "--insecure", "--max-time", "20"] + arguments, timeout: 30)
        }

        /// The subject of the certificate the implicit-TLS port presents now.
        private static func subject(port: Int, in workspace: Workspace) async throws -> String {
            let result = try await ExternalCommand.run(
                "openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-quiet"], input: Array("QUIT\r\n".utf8),
                timeout: 20)
            guard let line = WireText.lines(result.stderr).first(where: { $0.contains("CN") }) else {
                throw IntegrationError("openssl printed no subject: \(result)")
            }
            return line
        }
    }
}
