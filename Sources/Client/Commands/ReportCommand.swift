import ArgumentParser
import Foundation
import MonitorProtocol

/// `pop3ctl report --html FILE`: one self-contained HTML page of the server's history, rankings and current state.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report: history charts, top users, failed logins by peer, the current state.",
        discussion: """
            The page is one file with inline SVG charts and no script: it loads nothing from anywhere, so it can \
            be mailed or archived. Charts: connections accepted, logins ok and failed, bytes sent and received, \
            messages retrieved and deleted, one point per --step over --since (by default about 48 points). \
            The top users by bytes sent and the failed logins by peer count the finished sessions and login \
            attempts of the same window still kept in the database (--history-retention-days). Durations: 90s, \
            15m, 24h, 7d, 2w.
            """)

    @Option(help: "The HTML file to write (replaced if it exists).")
    var html: String

    @Option(help: "How far back the history and the rankings look.")
    var since = "24h"

    @Option(help: "The width of one chart point (default: the window / 48, at least 1m).")
    var step: String?

    @Option(help: "How many users and peers the rankings list (1 to \(RankingQuery.maxEntries)).")
    var top: UInt16 = 10

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        _ = try window()
        guard !html.isEmpty else { throw ValidationError("--html needs a file name") }
        guard (1...RankingQuery.maxEntries).contains(top) else {
            throw ValidationError("--top must be 1 to \(RankingQuery.maxEntries)")
        }
    }

    /// The window's length and step, in seconds.
    func window() throws -> (span: Int64, step: Int64) {
        guard let span = DurationText.seconds(since) else {
            throw ValidationError("--since: not a duration: '\(since)'")
        }
        let width: Int64
        if let step {
            guard let parsed = DurationText.seconds(step) else {
                throw ValidationError("--step: not a duration: '\(step)'")
            }
            width = parsed
        } else {
            width = max(60, (span / 48 + 59) / 60 * 60)
        }
        guard span / width <= Int64(MonitorLimits.maxHistoryPoints) else {
            throw ValidationError(
                "--since/--step asks for over \(MonitorLimits.maxHistoryPoints) points; use a larger step")
        }
        return (span, width)
    }

    func run() async throws {
        let (span, width) = try window()
        let now = Console.now()
        let address = "\(connection.host):\(connection.port)"
        let data = try await MonitorCall.run(connection) { monitor in
            try await ReportData.gather(from: monitor, address: address, span: span, step: width, now: now, top: top)
        }
        let page = ReportPage.render(data, generatedAt: now)
        do {
            try Data(page.utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
        } catch {
            Console.error("pop3ctl: cannot write \(html): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        Console.out("wrote \(html)")
    }
}
