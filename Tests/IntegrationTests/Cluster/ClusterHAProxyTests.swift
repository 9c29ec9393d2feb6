import Foundation
import Testing

/// Two pop3d nodes on one PostgreSQL database behind a real HAProxy (`send-proxy-v2`, `balance source`,
/// `check-send-proxy`): both nodes pass the health checks, each node sees every client with its own address (logs,
/// limits, throttle, the rows it writes with its node name), and one maildrop is one session's whichever node a
/// client reaches. HAProxy connects from 127.0.0.3; the clients from other loopback addresses.
@Suite("Cluster: two nodes behind HAProxy", .postgresqlOnly)
struct ClusterHAProxyTests {
    private static let user = (name: "erin", password: "erin's cluster password")

    /// A raw POP3 client bound to `source`: the greeting, then USER and PASS; returns the connection and PASS's answer.
    private static func login(through port: Int, from source: String, password: String = user.password)
        async throws -> (connection: RawConnection, answer: String)
    {
        let connection = try await RawConnection.open(port: port, source: source)
        #expect(try await connection.command("USER \(user.name)").hasPrefix("+OK"))
        return (connection, try await connection.command("PASS \(password)"))
    }

    @Test func clientsKeepTheirAddressesAndOneMaildropIsOneSessionAcrossNodes() async throws {
        let workspace = try Workspace()
        try await workspace.createUsers([Self.user.name: Self.user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.bareLF], user: Self.user.name)
        let options = ["--proxy-trusted-network", "\(HAProxyTests.balancer)/32", "--auth-failure-delay", "0.05"]
        let a = try await ServerProcess.start(workspace, options: options, nodeName: "node-a")
        let b = try await ServerProcess.start(workspace, options: options, nodeName: "node-b")
        let haproxy = try HAProxyProcess.start(in: workspace, nodes: [a.port, b.port], source: HAProxyTests.balancer)
        for node in ["node1", "node2"] {
            let up = await haproxy.waitForLine(containing: ["Health check for server pop3d/\(node) succeeded", "UP"])
            #expect(up, "\(node): \(haproxy.transcript)")
        }

        // Several client addresses: `balance source` spreads them over both nodes, each always to the same one.
        let sources = (2...9).filter { $0 != 3 }.map { "127.0.0.\($0)" }
        var holder: (source: String, connection: RawConnection)?
        for source in sources {
            let (connection, answer) = try await Self.login(through: haproxy.port, from: source)
            if let held = holder {
                // Whichever node this client reached, the maildrop is the first client's.
                #expect(answer.hasPrefix("-ERR [IN-USE]"), "\(source) got in beside \(held.source): \(answer)")
                connection.close()
            } else {
                #expect(answer.hasPrefix("+OK"), "\(answer)")
                holder = (source, connection)
            }
        }
        let held = try #require(holder)
        #expect(try await held.connection.command("STAT").hasPrefix("+OK 2 "))
        #expect(try await held.connection.command("QUIT").hasPrefix("+OK"))

        // Both nodes served someone, and logged each client under its own address, never the balancer's.
        let refusals = a.lines("login failed") + b.lines("login failed")
        #expect(refusals.count == sources.count - 1, "\(a.log)\n\(b.log)")
        #expect(!a.lines("login failed").isEmpty || !a.lines("login").isEmpty, "node-a saw no client: \(a.log)")
        #expect(!b.lines("login failed").isEmpty || !b.lines("login").isEmpty, "node-b saw no client: \(b.log)")
        let peers = Set((a.lines("login") + b.lines("login") + refusals).compactMap { $0["peer"] })
        #expect(peers == Set(sources), "\(peers)")
        #expect(refusals.allSatisfy { $0["reason"] == "in_use" && $0["proxy"] == HAProxyTests.balancer })

        // The throttle counts per client address, on the node that client reaches.
        let (first, refusedOnce) = try await Self.login(through: haproxy.port, from: "127.0.0.2", password: "wrong")
        #expect(refusedOnce.hasPrefix("-ERR [AUTH]"), "\(refusedOnce)")
        first.close()
        let failed = await a.waitForLine { $0.message == "login failed" && $0["reason"] == "failed" }
        let failedOnB = b.lines("login failed").first { $0["reason"] == "failed" }
        #expect((failed ?? failedOnB)?["peer"] == "127.0.0.2", "\(a.log)\n\(b.log)")

        try await haproxy.stop()
        #expect(try await a.stop() == 0)
        #expect(try await b.stop() == 0)
        // Each node's rows carry its name and the clients' own addresses.
        let rows = try await workspace.query(
            "SELECT DISTINCT node, peer FROM auth_events ORDER BY node, peer")
        #expect(rows.allSatisfy { !$0.hasSuffix("|\(HAProxyTests.balancer)") }, "\(rows)")
        #expect(Set(rows.map { String($0.split(separator: "|")[0]) }) == ["node-a", "node-b"], "\(rows)")
    }
}
