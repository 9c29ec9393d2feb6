import Foundation
import Storage
import Testing

/// pop3d's monitor port driven by the real pop3ctl binary and by raw sockets.
@Suite("Monitor end to end", .serialized)
struct MonitorEndToEndTests {
    static let token = SeedDefaults.adminToken
    static let options = ["--monitor-port", "0", "--sample-interval", "1"]

    @Test("seed flags, restart, history, passwd, refusals and the subcommands work against a real server")
    func adminLifecycle() async throws {
        let workspace = try Workspace()
        var server = try await ServerProcess.start(workspace, options: Self.options)
        var monitor = try await MonitorPort.of(server)

        let added = try await Pop3ctl.run(["-u", "bob:secret", Self.token, "127.0.0.1", "\(monitor)"])
        #expect(added.status == 0, "\(added)")
        #expect(try await POP3Login.succeeds(port: server.port, user: "bob", password: "secret", in: workspace))

        let before = try await Pop3ctl.number(["-C", Self.token, "127.0.0.1", "\(monitor)"])
        #expect(before >= 1)
        // Wait until the sampler has stored a point, then restart on the same database.
        let stored = try await workspace.waitForRows(
            "SELECT time FROM metric_samples WHERE metric = 'connections_total' LIMIT 1")
        #expect(!stored.isEmpty, "no sample was stored")
        let restartedAt = Int64(Date().timeIntervalSince1970) + 1
        #expect(try await server.stop() == 0, "\(server.transcript)")
        server = try await server.restart()
        monitor = try await MonitorPort.of(server)

        #expect(try await POP3Login.succeeds(port: server.port, user: "bob", password: "secret", in: workspace))
        let after = try await Pop3ctl.number(["-C", Self.token, "127.0.0.1", "\(monitor)"])
        #expect(after >= before)

        let connection = ["--token", Self.token, "--host", "127.0.0.1", "--port", "\(monitor)"]
        let history = try await Pop3ctl.run(
            ["history", "connections_total", "--since", "1h", "--step", "60", "--json"] + connection)
        #expect(history.status == 0, "\(history)")
        let series = try JSONDecoder().decode(HistoryJSON.self, from: Data(history.stdout))
        #expect(series.points.contains { $0.start < restartedAt }, "\(history.output)")

        let passwd = try await Pop3ctl.run(["users", "passwd", "bob"] + connection, input: Array("n3w pass\n".utf8))
        #expect(passwd.status == 0, "\(passwd)")
        #expect(try await POP3Login.succeeds(port: server.port, user: "bob", password: "n3w pass", in: workspace))
        #expect(!(try await POP3Login.succeeds(port: server.port, user: "bob", password: "secret", in: workspace)))

        let wrong = try await Pop3ctl.run(
            ["stats", "--token", "wrong-token-1234", "--host", "127.0.0.1", "--port", "\(monitor)"])
        #expect(wrong.status != 0)
        #expect(wrong.errors.contains("token"), "\(wrong)")

        for command in [["stats"], ["sessions"], ["ping"], ["users", "list"]] {
            let result = try await Pop3ctl.run(command + connection)
            #expect(result.status == 0, "\(command): \(result)")
            #expect(!result.output.isEmpty, "\(command)")
        }
        let users = try await Pop3ctl.run(["users", "list", "--json"] + connection)
        #expect(users.output.contains("\"bob\""), "\(users)")

        // Session rows are written by the sampler: wait for them to show in the view.
        #expect(!(try await workspace.waitForRows("SELECT * FROM daily_stats")).isEmpty)

        // Every request is logged with its admin; never with a password or the token.
        let logged = server.logLines.filter { $0.message.hasPrefix("monitor request:") }
        #expect(logged.contains { $0["admin"] == SeedDefaults.adminName && $0.message.contains("change password") })
        #expect(logged.contains { $0["admin"] == "unauthenticated" && $0["status"] == "0x05" })
        #expect(!server.log.contains("n3w pass"))
        #expect(!server.log.contains(Self.token))
        #expect(try await server.stop() == 0)
    }

    @Test("malformed requests from raw sockets change nothing, and the server keeps answering")
    func malformedFlood() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace, options: Self.options)
        let monitor = try await MonitorPort.of(server)
        let connection = ["--token", Self.token, "--host", "127.0.0.1", "--port", "\(monitor)"]
        let usersBefore = try await Pop3ctl.run(["users", "list", "--json"] + connection)
        #expect(usersBefore.status == 0)

        // An unknown version is answered v1-shaped, then closed.
        let badVersion = try await RawConnection.connect(port: monitor)
        try await badVersion.send([0x07] + [UInt8](repeating: 0x41, count: 40))
        let answered = try await badVersion.readUntilClosed(timeout: 30)
        #expect(answered.bytes == [0x01, 0x00, 0x01, 0x00])
        #expect(answered.closed)

        var generator = SystemRandomNumberGenerator()
        let token = Array(Self.token.utf8)
        let addUser = Array("mallory".utf8) + [0] + Array("pw".utf8)
        var junk: [[UInt8]] = [
            // v1 add user with DLEN 65535 but a short body, then the client goes away.
            [0x01] + token + [0x01, 0x04, 0xFF, 0xFF] + addUser,
            // v2 add user with DLEN over the limit.
            [0x02] + token + [0, 0, 0, 1, 0x11, 0x00, 0x01, 0x00, 0x00] + addUser,
            // v1 add user with a wrong token.
            [0x01] + Array("AAAAAAAAAAAAAAAA".utf8) + [0x01, 0x04, 0x00, UInt8(addUser.count)] + addUser,
            // v2 with a trailing byte after the fields.
            [0x02] + token + [0, 0, 0, 2, 0x12, 0, 0, 0, 5, 3] + Array("foo".utf8) + [9],
        ]
        for _ in 0..<40 {
            junk.append((0..<Int.random(in: 1...300, using: &generator)).map { _ in UInt8.random(in: 0...255) })
        }
        for bytes in junk {
            let raw = try await RawConnection.connect(port: monitor)
            try await raw.send(bytes)
            raw.close()
        }
        // A frame that never completes is closed after the 5-second deadline, without an answer.
        let slow = try await RawConnection.connect(port: monitor)
        let start = Date()  // before the first byte, so never after the server's deadline started
        try await slow.send([0x02] + token + [0, 0, 0])
        let dropped = try await slow.readUntilClosed(timeout: 30)
        #expect(dropped.closed)
        #expect(dropped.bytes.isEmpty)
        #expect(Date().timeIntervalSince(start) >= 5 - 0.05)

        let usersAfter = try await Pop3ctl.run(["users", "list", "--json"] + connection)
        #expect(usersAfter.output == usersBefore.output)
        #expect(try await Pop3ctl.run(["ping"] + connection).status == 0)
        #expect(server.isRunning)
        #expect(try await server.stop() == 0)
    }

    @Test("pipelined v2 requests are answered in order on one connection, and a v1 request closes it")
    func pipelining() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace, options: Self.options)
        let monitor = try await MonitorPort.of(server)
        let token = Array(Self.token.utf8)

        let raw = try await RawConnection.connect(port: monitor)
        var burst: [UInt8] = []
        for id in UInt8(1)...5 {
            burst += [0x02] + token + [0, 0, 0, id, 0x01, 0, 0, 0, 0]  // server info
        }
        burst += [0x02] + token + [0, 0, 0, 6, 0x7F, 0, 0, 0, 0]  // unknown OP
        burst += [0x01] + token + [0x00, 0x00, 0x00, 0x01, 0x00]  // v1 GET: answered last, then closed
        try await raw.send(burst)
        let all = try await raw.readUntilClosed(timeout: 30)
        #expect(all.closed)
        var bytes = all.bytes[...]
        for id in UInt8(1)...6 {
            guard bytes.count >= 11 else {
                Issue.record("answer \(id) missing: \(all.bytes)")
                return
            }
            let header = Array(bytes.prefix(11))
            #expect(header[0] == 0x02)
            #expect(header[1...4] == [0, 0, 0, id])
            #expect(header[6] == (id == 6 ? 0x02 : 0x00))
            let length = header[7...10].reduce(0) { $0 << 8 | Int($1) }
            bytes = bytes.dropFirst(11 + length)
        }
        #expect(Array(bytes.prefix(3)) == [0x00, 0x00, 0x04])
        #expect(bytes.count == 7)
        #expect(try await server.stop() == 0)
    }
}

/// The monitor port a running pop3d reported in its log.
private enum MonitorPort {
    static func of(_ server: ServerProcess) async throws -> Int {
        guard let line = await server.waitForLine(where: { $0.message == "monitor listening" }),
            let address = line["address"], let text = address.split(separator: ":").last, let port = Int(text)
        else {
            throw IntegrationError("pop3d did not report a monitor port.\n\(server.transcript)")
        }
        return port
    }
}

/// Runs the pop3ctl binary that sits next to pop3d.
private enum Pop3ctl {
    static func run(_ arguments: [String], input: [UInt8]? = nil) async throws -> CommandResult {
        let binary = URL(fileURLWithPath: try ServerBinary.path()).deletingLastPathComponent()
            .appendingPathComponent("pop3ctl").path
        return try await ExternalCommand.run(binary, arguments, environment: ["POP3CTL_TOKEN": ""], input: input)
    }

    /// A seed-flag GET: one decimal number on standard output.
    static func number(_ arguments: [String]) async throws -> UInt64 {
        let result = try await run(arguments)
        let text = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, let value = UInt64(text) else {
            throw IntegrationError("pop3ctl \(arguments.first ?? "") printed no number: \(result)")
        }
        return value
    }
}

/// One POP3 login with python3's poplib.
private enum POP3Login {
    static let script = """
        import json, poplib, sys
        port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        ok = True
        try:
            client = poplib.POP3("127.0.0.1", port, timeout=10)
            client.user(user)
            client.pass_(password)
            client.stat()
            client.quit()
        except poplib.error_proto:
            ok = False
        print(json.dumps({"ok": ok}))
        """

    private struct Answer: Decodable { let ok: Bool }

    static func succeeds(port: Int, user: String, password: String, in workspace: Workspace) async throws -> Bool {
        let result = try await PythonScript.run(
            script, named: "monitor-login.py", arguments: ["\(port)", user, password], in: workspace)
        return try PythonScript.decode(Answer.self, from: result).ok
    }
}

/// `pop3ctl history --json`, as far as these tests read it.
private struct HistoryJSON: Decodable {
    struct Point: Decodable {
        let start: Int64
        let value: Double
    }
    let points: [Point]
}
