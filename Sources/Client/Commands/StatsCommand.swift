import ArgumentParser
import MonitorProtocol

/// `pop3ctl stats`: every metric's current value, of the node asked or (`--cluster`) of every node.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Show every metric's current value (64-bit).",
        discussion: """
            The values are the node's that --host and --port reach: several pop3d nodes on one PostgreSQL \
            database each answer for themselves. --cluster combines the nodes that write samples to that \
            database and lists them: a counter is the sum of every node's total (the asked node's live value, \
            the others' newest sample), a gauge the sum over the nodes whose newest sample is recent (at most \
            three sampling intervals of the asked node, at least 5 s; an older node is taken for dead and marked \
            'left out'); uptime_seconds, event_loop_lag_max_ms and database_bytes take the largest value instead. \
            With SQLite the one server is the whole cluster.
            """)

    @Flag(help: "Combine every node on the server's database instead of showing the asked node alone.")
    var cluster = false

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        if cluster {
            let reply = try await MonitorCall.run(connection) {
                try await $0.perform(.clusterMetrics, action: "stats --cluster", unknownHint: ClusterHint.text)
            }
            guard case .clusterMetrics(let answer) = reply else {
                Console.error("pop3ctl: the server's answer is not a cluster metrics list")
                throw ExitCode(2)
            }
            Console.out(output.json ? MetricsView.clusterJSON(answer).rendered() : MetricsView.clusterTable(answer))
            return
        }
        let reply = try await MonitorCall.run(connection) { try await $0.perform(.metrics, action: "stats") }
        guard case .metrics(let snapshot) = reply else {
            Console.error("pop3ctl: the server's answer is not a metrics list")
            throw ExitCode(2)
        }
        Console.out(output.json ? MetricsView.json(snapshot).rendered() : MetricsView.table(snapshot))
    }
}

/// What a server's "bad method" to a cluster request means.
enum ClusterHint {
    static let text = "this pop3d predates cluster answers: leave out --cluster"
}
