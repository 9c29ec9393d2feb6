import Foundation
import Testing

/// `pop3ctl stats` and `history` against real pop3d nodes: each node answers for itself, and `--cluster` for all the
/// nodes on its database, whichever node is asked.
@Suite("Cluster metrics")
struct ClusterMetricsTests {
    private static let users = [
        (name: "alice", password: "alice secret 1"), (name: "bob", password: "b0b-pw"),
        (name: "carol", password: "carol's password"),
    ]
    /// Samples every second: a node silent for 5 s (the least bound) has its gauges left out.
    private static let options = ["--sample-interval", "1"]

    /// What `pop3ctl stats --cluster --json` prints.
    struct ClusterStats: Decodable {
        struct Node: Decodable {
            let name: String
            let newest_sample: Int64
            let gauges_counted: Bool
        }
        let scope: String
        let node: String
        let node_count: Int
        let nodes: [Node]
        let metrics: [String: Double]
    }

    static func clusterStats(monitorPort: Int) async throws -> ClusterStats {
        let result = try await AdminCommand.run(["stats", "--cluster", "--json"], monitorPort: monitorPort)
        guard result.status == 0,
            let stats = try? JSONDecoder().decode(ClusterStats.self, from: Data(result.stdout))
        else { throw IntegrationError("pop3ctl stats --cluster --json failed: \(result)") }
        return stats
    }

    /// Asks `stats --cluster` again until `done` holds (a node's sample is written or ages), at most `timeout` s.
    static func clusterStats(
        monitorPort: Int, timeout: Double = 30, until done: (ClusterStats) -> Bool
    ) async throws -> ClusterStats {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let stats = try await clusterStats(monitorPort: monitorPort)
            if done(stats) || Date() >= deadline { return stats }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    @Test(.postgresqlOnly)
    func twoNodesOnOneDatabaseAddUpAndEachAnswersForItself() async throws {
        let workspace = try Workspace()
        try await workspace.createUsers(Dictionary(uniqueKeysWithValues: Self.users.map { ($0.name, $0.password) }))
        let nodeA = try await ServerProcess.start(workspace, options: Self.options, nodeName: "node-a")
        let nodeB = try await ServerProcess.start(workspace, options: Self.options, nodeName: "node-b")
        let monitorA = try await ServerAddresses.monitorPort(of: nodeA)
        let monitorB = try await ServerAddresses.monitorPort(of: nodeB)

        // One session stays open on node A, two on node B.
        let sessionA = try await DeletionTests.login(Self.users[0], port: nodeA.port)
        let sessionsB = [
            try await DeletionTests.login(Self.users[1], port: nodeB.port),
            try await DeletionTests.login(Self.users[2], port: nodeB.port),
        ]
        // Each node has stored a sample taken with its sessions open.
        for (node, open) in [("node-a", 1), ("node-b", 2)] {
            let rows = try await workspace.waitForRows(
                "SELECT time FROM metric_samples WHERE node = '\(node)' AND metric = 'connections_current' "
                    + "AND value = \(open)")
            #expect(!rows.isEmpty, "\(node) wrote no sample with \(open) sessions open")
        }

        // Without the flag, each node answers for itself (v2 and the seed client's v1 alike).
        let ownA = try await AdminCommand.metrics(monitorPort: monitorA)
        let ownB = try await AdminCommand.metrics(monitorPort: monitorB)
        #expect(ownA["connections_current"] == 1 && ownA["logins_ok"] == 1, "\(ownA)")
        #expect(ownB["connections_current"] == 2 && ownB["logins_ok"] == 2, "\(ownB)")
        let legacyA = try await AdminCommand.run(["-c"], monitorPort: monitorA)
        let legacyB = try await AdminCommand.run(["-c"], monitorPort: monitorB)
        #expect(legacyA.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(legacyA)")
        #expect(legacyB.output.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(legacyB)")

        // With it, either node answers with the sums and names both nodes.
        for (asked, port) in [("node-a", monitorA), ("node-b", monitorB)] {
            let cluster = try await Self.clusterStats(monitorPort: port)
            #expect(cluster.scope == "cluster")
            #expect(cluster.node == asked)
            #expect(cluster.node_count == 2)
            #expect(Set(cluster.nodes.map(\.name)) == ["node-a", "node-b"], "\(cluster.nodes.map(\.name))")
            #expect(cluster.nodes.first?.name == asked, "the answering node comes first")
            #expect(cluster.nodes.allSatisfy { $0.gauges_counted })
            #expect(cluster.metrics["connections_current"] == 3, "\(cluster.metrics)")
            #expect(cluster.metrics["logins_ok"] == 3, "\(cluster.metrics)")
            #expect(cluster.metrics["connections_total"] == 3, "\(cluster.metrics)")
        }
        let text = try await AdminCommand.run(["stats", "--cluster"], monitorPort: monitorB)
        #expect(text.status == 0 && text.output.contains("asked node-b: 2 nodes"), "\(text)")
        #expect(text.output.contains("node-b  live (answering)"), "\(text)")

        // The cluster's history of open sessions: this day's maximum is the sum of each node's.
        let history = try await AdminCommand.run(
            ["history", "connections_current", "--cluster", "--since", "2d", "--step", "1d", "--json"],
            monitorPort: monitorA)
        #expect(history.status == 0, "\(history)")
        struct Series: Decodable {
            struct Point: Decodable { let maximum: Double }
            let nodes: [String]
            let points: [Point]
        }
        let series = try JSONDecoder().decode(Series.self, from: Data(history.stdout))
        #expect(series.nodes == ["node-a", "node-b"])
        #expect(series.points.map(\.maximum).max() == 3, "\(history.output)")

        // Node B dies with its sessions open: its total still counts, its open sessions stop counting once its
        // newest sample is older than the bound.
        _ = try await nodeB.stop(signal: SIGKILL)
        let afterB = try await Self.clusterStats(monitorPort: monitorA) { stats in
            stats.nodes.contains { $0.name == "node-b" && !$0.gauges_counted }
        }
        #expect(afterB.node_count == 2)
        #expect(afterB.nodes.map(\.name) == ["node-a", "node-b"])
        #expect(afterB.nodes.map(\.gauges_counted) == [true, false], "\(afterB.nodes)")
        #expect(afterB.metrics["connections_current"] == 1, "\(afterB.metrics)")
        #expect(afterB.metrics["logins_ok"] == 3, "\(afterB.metrics)")
        let left = try await AdminCommand.run(["stats", "--cluster"], monitorPort: monitorA)
        #expect(left.output.contains("left out: no sample for"), "\(left)")

        sessionA.close()
        for session in sessionsB { session.close() }
        #expect(try await nodeA.stop() == 0)
    }

    /// With SQLite the one server is the whole cluster: `--cluster` names it alone (its `--node-name`) and answers
    /// what the node view answers.
    @Test func aSQLiteServerIsAClusterOfOne() async throws {
        let workspace = try Workspace(backend: .sqlite)
        try await workspace.createUsers([Self.users[0].name: Self.users[0].password])
        let server = try await ServerProcess.start(workspace, options: Self.options + ["--node-name", "solo"])
        let monitor = try await ServerAddresses.monitorPort(of: server)
        let session = try await DeletionTests.login(Self.users[0], port: server.port)
        let own = try await AdminCommand.metrics(monitorPort: monitor)
        let cluster = try await Self.clusterStats(monitorPort: monitor)
        #expect(cluster.node == "solo")
        #expect(cluster.node_count == 1)
        #expect(cluster.nodes.map(\.name) == ["solo"])
        for metric in ["connections_current", "connections_total", "logins_ok", "bytes_out"] {
            #expect(cluster.metrics[metric] == own[metric], "\(metric)")
        }
        #expect(cluster.metrics["connections_current"] == 1)
        let text = try await AdminCommand.run(["stats", "--cluster"], monitorPort: monitor)
        #expect(text.output.contains("asked solo: 1 node (no other node writes samples"), "\(text)")
        session.close()
        #expect(try await server.stop() == 0)
    }
}
