import ArgumentParser
import MonitorProtocol

/// `pop3ctl history METRIC --since 24h --step 1h`: a metric's past as a chart and a table.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show a metric's history as a chart and a table.",
        discussion: """
            METRIC is a name (\(MetricName.choices)), its number, or one of the short names connections, current, \
            bytes, logins, uptime. For a counter each point is its increase within the step; for a gauge the \
            average and maximum within the step. Durations: 90s, 15m, 24h, 7d, 2w.
            The history is the node's that --host and --port reach. --cluster combines, step by step, every node \
            with samples in the range on that node's database (their names are listed): counters' increases and \
            gauges' averages and maxima are summed (the maximum is then an upper bound), except uptime_seconds, \
            event_loop_lag_max_ms and database_bytes, which take the largest.
            """)

    @Argument(help: "The metric, e.g. connections_total.")
    var metric: String

    @Option(help: "How far back to look.")
    var since = "24h"

    @Option(help: "The width of one point.")
    var step = "1h"

    @Flag(help: "Combine every node on the server's database instead of showing the asked node alone.")
    var cluster = false

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try query(now: 0)
    }

    /// The request for the window ending at the step boundary after `now`.
    func query(now: Int64) throws -> HistoryQuery {
        guard let metricID = MetricName.resolve(metric) else {
            throw ValidationError("unknown metric '\(metric)'; choose one of: \(MetricName.choices)")
        }
        guard let span = DurationText.seconds(since) else {
            throw ValidationError("--since: not a duration: '\(since)'")
        }
        guard let width = DurationText.seconds(step) else { throw ValidationError("--step: not a duration: '\(step)'") }
        guard span / width <= Int64(MonitorLimits.maxHistoryPoints) else {
            throw ValidationError(
                "--since/--step asks for over \(MonitorLimits.maxHistoryPoints) points; use a larger step")
        }
        let (ends, overflow) = now.addingReportingOverflow(width - 1)
        guard !overflow, now >= 0 else { throw ValidationError("the clock is out of range") }
        let to = ends / width * width
        return HistoryQuery(metric: metricID, from: to - span, to: to, step: width)
    }

    func run() async throws {
        let query = try self.query(now: Console.now())
        if cluster {
            let reply = try await MonitorCall.run(connection) {
                try await $0.perform(
                    .clusterHistory(query), action: "history --cluster \(query.metric.name)",
                    unknownHint: ClusterHint.text)
            }
            guard case .clusterHistory(let answer) = reply else {
                Console.error("pop3ctl: the server's answer is not a cluster history")
                throw ExitCode(2)
            }
            Console.out(output.json ? HistoryView.clusterJSON(answer).rendered() : HistoryView.clusterText(answer))
            return
        }
        let reply = try await MonitorCall.run(connection) {
            try await $0.perform(.history(query), action: "history \(query.metric.name)")
        }
        guard case .history(let series) = reply else {
            Console.error("pop3ctl: the server's answer is not a history")
            throw ExitCode(2)
        }
        Console.out(output.json ? HistoryView.json(series).rendered() : HistoryView.text(series))
    }
}
