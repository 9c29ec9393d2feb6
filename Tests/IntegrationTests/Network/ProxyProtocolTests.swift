import Foundation
import Testing

/// The PROXY protocol against the real pop3d, with the test playing the load balancer: its connections come from
/// 127.0.0.3 (`--proxy-trusted-network 127.0.0.3/32`) and start with a header naming a client; direct clients come
/// from 127.0.0.1. The client addresses in headers are documentation ranges, so nothing else could have produced them.
@Suite("PROXY protocol")
struct ProxyProtocolTests {
    static let balancer = "127.0.0.3"
    static let trustBalancer = ["--proxy-trusted-network", "127.0.0.3/32"]

    /// Connects as the balancer, sends `header` (with `then` in the same write) and reads the greeting.
    static func proxied(_ header: [UInt8], then: String = "", port: Int) async throws -> (RawConnection, String) {
        let connection = try await RawConnection.connect(
            port: port, source: balancer, sending: header + Array(then.utf8))
        return (connection, try await connection.line())
    }

    @Test func theClientsAddressIsUsedForLogsRowsAuthEventsAndThePlainTextRule() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: user.name)
        let certificate = try await TestCertificate.make(in: workspace)
        // With TLS configured, plain-text logins are for --local-network only: 198.51.100.0/24 is local, 192.0.2.10 not.
        let server = try await ServerProcess.start(
            workspace, options: certificate.options + Self.trustBalancer + ["--local-network", "198.51.100.0/24"])

        // The header and the first command in one write: the command behind the header is not lost.
        let (session, greeting) = try await Self.proxied(
            ProxyHeaders.version1(client: "198.51.100.7", clientPort: 40_001), then: "USER \(user.name)\r\n",
            port: server.port)
        #expect(greeting.hasPrefix("+OK"), "\(greeting)")
        #expect(try await session.line().hasPrefix("+OK"), "USER sent right behind the header")
        #expect(try await session.command("PASS \(user.password)") == "+OK Logged in.")
        #expect(try await session.command("STAT").hasPrefix("+OK 1 "))
        #expect(try await session.command("QUIT").hasPrefix("+OK"))

        let (remote, remoteGreeting) = try await Self.proxied(
            ProxyHeaders.version1(client: "192.0.2.10"), port: server.port)
        #expect(remoteGreeting.hasPrefix("+OK"))
        let refused = try await remote.command("USER \(user.name)")
        #expect(refused.hasPrefix("-ERR") && refused.contains("STLS"), "plain text from a remote client: \(refused)")
        #expect(try await remote.command("QUIT").hasPrefix("+OK"))

        let (failing, _) = try await Self.proxied(ProxyHeaders.version1(client: "198.51.100.8"), port: server.port)
        #expect(try await failing.command("USER \(user.name)").hasPrefix("+OK"))
        #expect(try await failing.command("PASS wrong").hasPrefix("-ERR"))
        #expect(try await failing.command("QUIT").hasPrefix("+OK"))
        #expect(await server.waitForLines("disconnect", count: 3), "\(server.transcript)")

        let login = try #require(server.lines("login").first)
        #expect(login["peer"] == "198.51.100.7" && login["proxy"] == Self.balancer, "\(login.text)")
        let connects = server.lines("connect")
        #expect(
            Set(connects.compactMap { $0["peer"] }) == ["198.51.100.7", "192.0.2.10", "198.51.100.8"], "\(server.log)")
        #expect(connects.allSatisfy { $0["proxy"] == Self.balancer }, "\(server.log)")
        let failure = try #require(server.lines("login failed").first)
        #expect(failure["peer"] == "198.51.100.8", "\(failure.text)")

        #expect(try await server.stop() == 0)
        let sessions = try await workspace.query(
            "SELECT peer, coalesce(\(workspace.userColumn), '-'), end_reason FROM sessions ORDER BY id")
        #expect(
            sessions == ["198.51.100.7|alice|quit", "192.0.2.10|-|quit", "198.51.100.8|-|quit"], "\(sessions)")
        let attempts = try await workspace.query("SELECT peer, user_name, result FROM auth_events ORDER BY id")
        #expect(attempts == ["198.51.100.7|alice|ok", "198.51.100.8|alice|failed"], "\(attempts)")
    }

    @Test func theLoginThrottleCountsEachClientNotTheBalancer() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        let server = try await ServerProcess.start(
            workspace, options: Self.trustBalancer + ["--auth-failure-delay", "0.05", "--max-login-failures", "5"])
        // Two failures from one client double its delay; another client behind the same balancer starts afresh.
        for (client, password) in [("192.0.2.21", "wrong 1"), ("192.0.2.21", "wrong 2"), ("192.0.2.22", "wrong 3")] {
            let (connection, _) = try await Self.proxied(ProxyHeaders.version1(client: client), port: server.port)
            #expect(try await connection.command("USER \(user.name)").hasPrefix("+OK"))
            #expect(try await connection.command("PASS \(password)").hasPrefix("-ERR"))
            #expect(try await connection.command("QUIT").hasPrefix("+OK"))
        }
        #expect(await server.waitForLines("login failed", count: 3), "\(server.log)")
        let failures = server.lines("login failed").map { "\($0["peer"] ?? "?") \($0["delay_ms"] ?? "?")" }
        #expect(failures == ["192.0.2.21 50", "192.0.2.21 100", "192.0.2.22 50"], "\(server.log)")
        #expect(try await server.stop() == 0)
    }

    @Test func thePerAddressLimitCountsTheProxiedClient() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(
            workspace, options: Self.trustBalancer + ["--max-connections-per-address", "1"])
        let (first, greeting) = try await Self.proxied(ProxyHeaders.version1(client: "192.0.2.30"), port: server.port)
        #expect(greeting.hasPrefix("+OK"))
        // The same client again through the balancer: over its own cap.
        let (second, answer) = try await Self.proxied(ProxyHeaders.version1(client: "192.0.2.30"), port: server.port)
        #expect(answer.hasPrefix("-ERR [SYS/TEMP]"), "\(answer)")
        #expect(try await second.readUntilClosed(timeout: 30).closed)
        // Other clients are let in although the balancer itself already holds more connections than the cap.
        let (third, other) = try await Self.proxied(ProxyHeaders.version1(client: "192.0.2.31"), port: server.port)
        #expect(other.hasPrefix("+OK"), "\(other)")
        let (health, local) = try await Self.proxied(ProxyHeaders.version2Local, port: server.port)
        #expect(local.hasPrefix("+OK"), "\(local)")

        // `limit=per address` holds a space, so the line is found by its text.
        let refusal = try #require(
            await server.waitForLine { $0.text.contains("connection refused: limit reached") }, "\(server.log)")
        for field in ["limit=per address", "peer=192.0.2.30", "proxy=\(Self.balancer)"] {
            #expect(refusal.text.contains(field), "\(refusal.text)")
        }
        // Closing the first frees the client's slot.
        #expect(try await first.command("QUIT").hasPrefix("+OK"))
        #expect(await server.waitForLines("disconnect", count: 1))
        let deadline = Date().addingTimeInterval(30)
        var admitted = false
        while !admitted, Date() < deadline {
            let (retry, answer) = try await Self.proxied(ProxyHeaders.version1(client: "192.0.2.30"), port: server.port)
            admitted = answer.hasPrefix("+OK")
            retry.close()
        }
        #expect(admitted, "the client's slot was not freed")
        for connection in [third, health] { #expect(try await connection.command("QUIT").hasPrefix("+OK")) }
        #expect(try await server.stop() == 0)
    }

    @Test func aHealthCheckAndAnIPv6ClientInVersion2() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace, options: Self.trustBalancer)
        let (health, greeting) = try await Self.proxied(ProxyHeaders.version2Local, then: "QUIT\r\n", port: server.port)
        #expect(greeting.hasPrefix("+OK"), "LOCAL: the greeting, as HAProxy's tcp-check expects")
        #expect(try await health.line().hasPrefix("+OK"))
        let client: [UInt8] = [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0x07] + Array(repeating: 0, count: 7) + [5]
        let (proxied, hello) = try await Self.proxied(ProxyHeaders.version2(clientIPv6: client), port: server.port)
        #expect(hello.hasPrefix("+OK"))
        #expect(try await proxied.command("QUIT").hasPrefix("+OK"))
        #expect(await server.waitForLines("disconnect", count: 2))

        let connects = server.lines("connect")
        #expect(connects.map { $0["peer"] ?? "?" } == [Self.balancer, "2001:db8:0:7::5"], "\(server.log)")
        #expect(connects[0]["proxy"] == nil, "a health check is the balancer's own connection: \(connects[0].text)")
        #expect(connects[1]["proxy"] == Self.balancer)
        #expect(try await server.stop() == 0)
    }

    @Test func noGreetingBeforeTheHeaderAndNoneWithoutIt() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(
            workspace, options: Self.trustBalancer + ["--proxy-header-timeout", "0.5"])
        // Silent: closed at the timeout with nothing sent (a greeting would have come at the connect). The timer
        // starts after the connect began, so the close comes no sooner than the timeout after it.
        let started = Date()
        let silent = try await RawConnection.connect(port: server.port, source: Self.balancer)
        let (bytes, closed) = try await silent.readUntilClosed(timeout: 30)
        #expect(closed && bytes.isEmpty, "\(String(decoding: bytes, as: UTF8.self))")
        #expect(Date().timeIntervalSince(started) >= 0.5)
        // A command instead of a header, sent with the connect: closed at once, nothing sent.
        let talking = try await RawConnection.connect(
            port: server.port, source: Self.balancer, sending: Array("CAPA\r\n".utf8))
        let (answer, ended) = try await talking.readUntilClosed(timeout: 30)
        #expect(ended && answer.isEmpty, "\(String(decoding: answer, as: UTF8.self))")

        // The reason is free text (spaces and all), so the lines are found by their text; the log is read from a
        // pipe, so the last line is waited for.
        let logged = await server.waitForLine { $0.text.contains("no PROXY protocol signature") }
        #expect(logged != nil, "\(server.log)")
        let refusals = server.logLines.filter { $0.text.contains("PROXY header refused: closing") }
        #expect(refusals.count == 2, "\(server.log)")
        #expect(refusals.allSatisfy { $0.text.contains("peer=\(Self.balancer)") }, "\(server.log)")
        #expect(refusals.contains { $0.text.contains("no PROXY header within 0.5 seconds") }, "\(server.log)")
        #expect(refusals.contains { $0.text.contains("no PROXY protocol signature") }, "\(server.log)")
        #expect(server.lines("connect").isEmpty, "no session began: \(server.log)")
        #expect(try await server.stop() == 0)
    }

    @Test func withTheHeaderOptionalADirectClientIsGreetedAfterTheTimeout() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(
            workspace, options: Self.trustBalancer + ["--proxy-header-optional", "--proxy-header-timeout", "1"])
        let direct = try await RawConnection.connect(port: server.port, source: Self.balancer)
        #expect(try await direct.line().hasPrefix("+OK"))
        #expect(try await direct.command("QUIT").hasPrefix("+OK"))
        let (proxied, greeting) = try await Self.proxied(ProxyHeaders.version1(client: "192.0.2.40"), port: server.port)
        #expect(greeting.hasPrefix("+OK"))
        #expect(try await proxied.command("QUIT").hasPrefix("+OK"))
        #expect(await server.waitForLines("disconnect", count: 2))
        #expect(server.lines("connect").map { $0["peer"] ?? "?" } == [Self.balancer, "192.0.2.40"], "\(server.log)")
        #expect(try await server.stop() == 0)
    }

    @Test func aHeaderFromAnUntrustedAddressIsRefusedAndNeverBelieved() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace, options: Self.trustBalancer)
        // 127.0.0.1 is no balancer: it is greeted at once, and its PROXY line is a protocol error.
        let direct = try await RawConnection.open(port: server.port)
        let answer = try await direct.command("PROXY TCP4 192.0.2.50 127.0.0.1 40000 110")
        #expect(answer == "-ERR PROXY header not accepted from this address, closing.")
        #expect(try await direct.readUntilClosed(timeout: 30).closed)
        // A v2 header: its signature holds a QUIT line, so a POP3 server that does not expect it just closes.
        let binary = try await RawConnection.open(port: server.port)
        let client: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [0x50]
        try await binary.send(ProxyHeaders.version2(clientIPv6: client) + Array("CAPA\r\n".utf8))
        #expect(try await binary.readUntilClosed(timeout: 30).closed)
        #expect(await server.waitForLines("disconnect", count: 2))

        #expect(server.lines("connect").allSatisfy { $0["peer"] == "127.0.0.1" && $0["proxy"] == nil }, "\(server.log)")
        #expect(!server.log.contains("192.0.2.50") && !server.log.contains("2001:db8"), "\(server.log)")
        #expect(try await server.stop() == 0)
        let peers = try await workspace.query("SELECT DISTINCT peer FROM sessions")
        #expect(peers == ["127.0.0.1"], "\(peers)")
    }

    @Test func onTheImplicitTLSPortTheHeaderComesBeforeTheHandshake() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        let certificate = try await TestCertificate.make(in: workspace)
        let server = try await ServerProcess.start(
            workspace, options: certificate.options + Self.trustBalancer + ["--tls-port", "0"])
        let tlsPort = try await ServerAddresses.tlsPort(of: server)
        // python: the header in clear, then TLS on the same socket, then a login (plain text is fine inside TLS).
        let script = #"""
            import socket, ssl, sys, json
            port, source, header = int(sys.argv[1]), sys.argv[2], bytes.fromhex(sys.argv[3])
            raw = socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0))
            raw.sendall(header)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            tls = context.wrap_socket(raw)
            reader = tls.makefile("rb")
            lines = [reader.readline().decode().rstrip()]
            for command in sys.argv[4:]:
                tls.sendall(command.encode() + b"\r\n")
                lines.append(reader.readline().decode().rstrip())
            print(json.dumps({"version": tls.version(), "lines": lines}))
            """#
        struct Answer: Decodable {
            let version: String
            let lines: [String]
        }
        let header = ProxyHeaders.version1(client: "192.0.2.60", port: 995).map { String(format: "%02x", $0) }.joined()
        let result = try await PythonScript.run(
            script, named: "proxied-tls.py",
            arguments: ["\(tlsPort)", Self.balancer, header, "USER \(user.name)", "PASS \(user.password)", "QUIT"],
            in: workspace)
        let answer = try PythonScript.decode(Answer.self, from: result)
        #expect(answer.version.hasPrefix("TLSv1."), "\(answer)")
        #expect(answer.lines.count == 4 && answer.lines.allSatisfy { $0.hasPrefix("+OK") }, "\(answer)")
        #expect(answer.lines[2] == "+OK Logged in.", "\(answer)")
        #expect(await server.waitForLines("disconnect", count: 1))
        let login = try #require(server.lines("login").first)
        #expect(login["peer"] == "192.0.2.60" && login["proxy"] == Self.balancer, "\(login.text)")
        #expect(try await server.stop() == 0)
    }
}
