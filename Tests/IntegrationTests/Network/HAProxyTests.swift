import Foundation
import Testing

/// pop3d behind a real HAProxy: `send-proxy-v2` for clients, `check-send-proxy` health checks expecting `+OK`. All
/// addresses are loopback ones, so HAProxy connects to pop3d from 127.0.0.3 (`source`) while the clients connect from
/// 127.0.0.2 and 127.0.0.4: pop3d can only know those through the header.
@Suite("HAProxy")
struct HAProxyTests {
    static let balancer = "127.0.0.3"

    /// python's poplib from `source`: log in, RETR 1, QUIT; or, with a wrong password, the refusal's text.
    static let poplibScript = #"""
        import json, poplib, socket, sys
        port, source, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

        class SourceBoundPOP3(poplib.POP3):
            def _create_socket(self, timeout):
                return socket.create_connection((self.host, self.port), timeout, source_address=(source, 0))

        client = SourceBoundPOP3("127.0.0.1", port, timeout=30)
        result = {"welcome": client.getwelcome().decode(), "lines": 0, "error": ""}
        try:
            client.user(user)
            client.pass_(password)
            result["lines"] = len(client.retr(1)[1])
            client.quit()
        except poplib.error_proto as error:
            result["error"] = error.args[0].decode() if isinstance(error.args[0], bytes) else str(error)
            client.quit()
        print(json.dumps(result))
        """#

    struct PoplibResult: Decodable {
        let welcome: String
        let lines: Int
        let error: String
    }

    static func poplib(
        port: Int, from source: String, user: String, password: String, in workspace: Workspace
    ) async throws -> PoplibResult {
        let result = try await PythonScript.run(
            poplibScript, named: "poplib-\(UUID().uuidString).py",
            arguments: ["\(port)", source, user, password], in: workspace)
        return try PythonScript.decode(PoplibResult.self, from: result)
    }

    @Test func clientsBehindHAProxyAreSeenWithTheirOwnAddresses() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: user.name)
        let certificate = try await TestCertificate.make(in: workspace)
        let server = try await ServerProcess.start(
            workspace,
            options: certificate.options + [
                "--tls-port", "0", "--proxy-trusted-network", "\(Self.balancer)/32", "--auth-failure-delay", "0.05",
            ])
        let tlsPort = try await ServerAddresses.tlsPort(of: server)
        let haproxy = try HAProxyProcess.start(
            in: workspace, nodes: [server.port], tlsNodes: [tlsPort], source: Self.balancer)

        // The health checks (a v2 LOCAL header, then `+OK` expected) mark the node up in both backends, and pop3d
        // saw them as the balancer's own connections, ended by the checks' QUIT.
        for backend in ["pop3d", "pop3d-tls"] {
            let up = await haproxy.waitForLine(containing: ["Health check for server \(backend)/node1 succeeded", "UP"])
            #expect(up, "\(backend): \(haproxy.transcript)\n\(server.transcript)")
        }
        let check = await server.waitForLine {
            $0.message == "disconnect" && $0["peer"] == Self.balancer && $0["reason"] == "quit"
        }
        #expect(check != nil, "\(server.transcript)")

        let viaPoplib = try await Self.poplib(
            port: haproxy.port, from: "127.0.0.2", user: user.name, password: user.password, in: workspace)
        #expect(viaPoplib.welcome.hasPrefix("+OK") && viaPoplib.error.isEmpty, "\(viaPoplib)")
        #expect(viaPoplib.lines > 0, "\(viaPoplib)")
        let viaCurl = try await ExternalCommand.run(
            "curl",
            [
                "--silent", "--show-error", "--interface", "127.0.0.4", "--user", "\(user.name):\(user.password)",
                "pop3://127.0.0.1:\(haproxy.port)/1",
            ], timeout: 30)
        #expect(viaCurl.status == 0, "\(viaCurl)")
        #expect(ClientAssertions.sameMessages([viaCurl.stdout], [SampleMessages.plainCRLF]), "\(viaCurl)")
        // Implicit TLS through the balancer: the header before the handshake, the TLS itself pop3d's.
        let viaTLS = try await ExternalCommand.run(
            "curl",
            [
                "--silent", "--show-error", "--insecure", "--interface", "127.0.0.5", "--user",
                "\(user.name):\(user.password)", "pop3s://127.0.0.1:\(try #require(haproxy.tlsPort))/1",
            ], timeout: 30)
        #expect(viaTLS.status == 0, "\(viaTLS)")
        #expect(ClientAssertions.sameMessages([viaTLS.stdout], [SampleMessages.plainCRLF]), "\(viaTLS)")
        // The login throttle counts per client: two failures from 127.0.0.2 escalate, 127.0.0.4 starts afresh.
        for (source, password) in [("127.0.0.2", "wrong 1"), ("127.0.0.2", "wrong 2"), ("127.0.0.4", "wrong 3")] {
            let refused = try await Self.poplib(
                port: haproxy.port, from: source, user: user.name, password: password, in: workspace)
            #expect(refused.error.hasPrefix("-ERR"), "\(refused)")
        }
        #expect(await server.waitForLines("logout", count: 3), "\(server.transcript)")

        let logins = server.lines("login")
        #expect(logins.map { $0["peer"] ?? "?" } == ["127.0.0.2", "127.0.0.4", "127.0.0.5"], "\(server.log)")
        #expect(logins.allSatisfy { $0["proxy"] == Self.balancer }, "\(server.log)")
        #expect(await server.waitForLines("login failed", count: 3), "\(server.log)")
        let failures = server.lines("login failed").map { "\($0["peer"] ?? "?") \($0["delay_ms"] ?? "?")" }
        #expect(failures == ["127.0.0.2 50", "127.0.0.2 100", "127.0.0.4 50"], "\(server.log)")

        try await haproxy.stop()
        #expect(try await server.stop() == 0)
        let sessions = try await workspace.query(
            "SELECT peer, coalesce(\(workspace.userColumn), '-'), end_reason FROM sessions "
                + "WHERE peer <> '\(Self.balancer)' AND \(workspace.userColumn) IS NOT NULL ORDER BY id")
        #expect(
            sessions == ["127.0.0.2|alice|quit", "127.0.0.4|alice|quit", "127.0.0.5|alice|quit"], "\(sessions)")
        let attempts = try await workspace.query("SELECT peer, result FROM auth_events ORDER BY id")
        #expect(
            attempts == [
                "127.0.0.2|ok", "127.0.0.4|ok", "127.0.0.5|ok", "127.0.0.2|failed", "127.0.0.2|failed",
                "127.0.0.4|failed",
            ], "\(attempts)")
        let checks = try await workspace.query(
            "SELECT count(*) FROM sessions WHERE peer = '\(Self.balancer)' AND end_reason = 'quit'")
        #expect((Int(checks.first ?? "") ?? 0) >= 1, "the health checks' sessions: \(checks)")
    }

    /// The configuration shipped for operators is one HAProxy accepts.
    @Test func thePackagedConfigurationIsValid() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let result = try await HAProxyProcess.check(
            configuration: root.appendingPathComponent("packaging/haproxy.cfg").path)
        #expect(result.status == 0, "\(result)")
    }
}
