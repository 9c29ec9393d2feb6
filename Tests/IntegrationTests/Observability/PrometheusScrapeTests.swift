import Foundation
import Testing

/// `--metrics-listen`: a real pop3d scraped with curl after a real POP3 session.
@Suite("Prometheus")
struct PrometheusScrapeTests {
    @Test func scrapeAfterASession() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.dotLines], user: user.name)
        let server = try await ServerProcess.start(workspace, options: ["--metrics-listen", "127.0.0.1:0"])
        let port = try await Self.metricsPort(of: server)

        // A failed login (its answer waits for the failure delay), then a session with one RETR.
        let failing = try await RawConnection.open(port: server.port)
        #expect(try await failing.command("USER \(user.name)").hasPrefix("+OK"))
        #expect(try await failing.command("PASS wrong").hasPrefix("-ERR"))
        failing.close()
        let session = try await DeletionTests.login(user, port: server.port)
        #expect(try await session.command("RETR 1").hasPrefix("+OK"))
        _ = try await session.multilineBody()
        #expect(try await session.command("DELE 2").hasPrefix("+OK"))
        #expect(try await session.command("QUIT").hasPrefix("+OK"))
        #expect(await server.waitForLines("disconnect", count: 2), "\(server.transcript)")

        let base = "http://127.0.0.1:\(port)"
        let scrape = try await ExternalCommand.run(
            "curl", ["-s", "-w", "\n%{http_code} %{content_type}", "\(base)/metrics"])
        #expect(scrape.status == 0, "\(scrape)")
        var body = scrape.output
        let trailer = try #require(body.split(separator: "\n").last)
        #expect(trailer == "200 text/plain; version=0.0.4; charset=utf-8")
        body.removeLast(trailer.count)
        let check = ExpositionCheck(body)
        #expect(check.problems.isEmpty, "\(check.problems)\n\(body)")
        // Every sample names the node first: --node-name on PostgreSQL, the host name by default (SQLite here).
        let node = workspace.backend == .postgresql ? server.nodeName : Self.hostName()
        let label = "{node=\"\(node)\""
        #expect(check.samples.keys.allSatisfy { $0.contains(label) }, "\(check.samples.keys.sorted())")
        func value(_ name: String, _ labels: String = "") -> Double? { check.samples["\(name)\(label)\(labels)}"] }
        #expect((value("pop3d_connections_total") ?? 0) >= 2, "\(body)")
        #expect((value("pop3d_sent_bytes_total") ?? 0) > 0)
        #expect((value("pop3d_received_bytes_total") ?? 0) > 0)
        #expect(value("pop3d_logins_total", ",mechanism=\"USER\",result=\"ok\"") == 1)
        #expect(value("pop3d_logins_total", ",mechanism=\"USER\",result=\"failed\"") == 1)
        #expect(value("pop3d_logins_total", ",mechanism=\"PLAIN\",result=\"ok\"") == 0, "series exist from the start")
        #expect(value("pop3d_login_failures_total", ",reason=\"bad_credentials\"") == 1)
        #expect(value("pop3d_messages_retrieved_total") == 1)
        #expect(value("pop3d_messages_deleted_total") == 1)
        #expect(value("pop3d_sessions_ended_total", ",reason=\"quit\"") == 1)
        #expect(value("pop3d_connections_current") == 0)
        #expect(value("pop3d_build_info", ",version=\"0.1.0\"") == 1)
        // Histograms: two logins checked by the password hash, one RETR of the first message, two sessions, one
        // QUIT with a deletion.
        #expect(value("pop3d_login_duration_seconds_count", ",mechanism=\"USER\",cache=\"miss\"") == 2)
        #expect(value("pop3d_login_duration_seconds_bucket", ",mechanism=\"USER\",cache=\"miss\",le=\"+Inf\"") == 2)
        #expect((value("pop3d_hashing_queue_wait_seconds_count") ?? 0) >= 2)
        #expect(value("pop3d_retr_duration_seconds_count") == 1)
        #expect(value("pop3d_retr_size_bytes_count") == 1)
        #expect(value("pop3d_retr_size_bytes_sum") == Double(WireText.wireForm(SampleMessages.plainCRLF).count))
        #expect(value("pop3d_session_duration_seconds_count") == 2)
        #expect(value("pop3d_quit_commit_duration_seconds_count") == 1)
        #expect((value("pop3d_hashing_queue_capacity") ?? 0) > 0)
        let started = try #require(value("process_start_time_seconds"))
        #expect(abs(started - Date().timeIntervalSince1970) < 3_600)
        #expect(check.types["process_start_time_seconds"] == "gauge")
        #expect(check.types["pop3d_connections_total"] == "counter")
        #expect(check.types["pop3d_retr_size_bytes"] == "histogram")
        // No TLS configured: no certificate gauge.
        #expect(check.types["pop3d_tls_certificate_not_after_timestamp_seconds"] == nil)

        #expect(try await Self.status(["\(base)/other"]) == "404")
        #expect(try await Self.status(["\(base)/"]) == "404")
        #expect(try await Self.status(["-X", "POST", "\(base)/metrics"]) == "405")
        #expect(try await server.stop() == 0)
    }

    @Test("a non-loopback address is served with a warning; a malformed one stops the start")
    func addresses() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace, options: ["--metrics-listen", "0.0.0.0:0"])
        let port = try await Self.metricsPort(of: server)
        #expect(server.logLines.contains { $0.level == "warning" && $0.message.contains("metrics port is reachable") })
        #expect(try await Self.status(["http://127.0.0.1:\(port)/metrics"]) == "200")
        #expect(try await server.stop() == 0)

        for bad in ["9110", "::1:9110", "127.0.0.1:70000", "host:port"] {
            let result = try await ExternalCommand.run(
                try ServerBinary.path(),
                ["-p", "0", "--database", workspace.databasePath, "--metrics-listen", bad], timeout: 10)
            #expect(result.status == 64, "\(bad): \(result)")
            #expect(result.errors.contains("--metrics-listen"), "\(result)")
        }
    }

    /// `--node-name NAME` labels every sample on either backend.
    @Test func theNodeNameLabelsEverySample() async throws {
        let workspace = try Workspace()
        // On PostgreSQL the workspace passes the node name with the database options.
        let sqliteName = workspace.backend == .sqlite ? ["--node-name", "scrape-node"] : []
        let server = try await ServerProcess.start(
            workspace, options: ["--metrics-listen", "127.0.0.1:0"] + sqliteName, nodeName: "scrape-node")
        let port = try await Self.metricsPort(of: server)
        let scrape = try await ExternalCommand.run("curl", ["-s", "http://127.0.0.1:\(port)/metrics"])
        let check = ExpositionCheck(scrape.output)
        #expect(check.problems.isEmpty, "\(check.problems)\n\(scrape.output)")
        #expect(check.samples["pop3d_connections_current{node=\"scrape-node\"}"] == 0, "\(scrape.output)")
        #expect(check.samples.keys.allSatisfy { $0.contains("{node=\"scrape-node\"") }, "\(check.samples.keys)")
        #expect(try await server.stop() == 0)
    }

    /// The machine's host name, pop3d's default node name.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "pop3d" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map(UInt8.init(bitPattern:)), as: UTF8.self)
        return name.isEmpty ? "pop3d" : name
    }

    /// The port from the "metrics listening" line.
    static func metricsPort(of server: ServerProcess) async throws -> Int {
        let line = await server.waitForLine { $0.message == "metrics listening" }
        guard let address = line?["address"], let text = address.split(separator: ":").last, let port = Int(text),
            port > 0
        else { throw IntegrationError("no metrics port in the log.\n\(server.transcript)") }
        return port
    }

    /// The HTTP status curl saw.
    static func status(_ arguments: [String]) async throws -> String {
        let result = try await ExternalCommand.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}"] + arguments)
        return result.output
    }
}
