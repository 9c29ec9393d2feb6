import MonitorProtocol

/// Everything `pop3ctl report` shows, gathered from the monitor port before the page is written.
struct ReportData: Sendable {
    var server: ServerInfo
    /// The server's address as the operator gave it.
    var address: String
    var now: MetricsSnapshot
    /// The window: its start, its length and the width of one point, in seconds.
    var since: Int64
    var span: Int64
    var step: Int64
    /// One series per charted metric.
    var history: [MetricID: HistorySeries]
    var topUsers: [UserTraffic]
    var failedLogins: [PeerFailures]
    var sessions: [SessionEntry]

    /// The metrics the charts draw.
    static let chartedMetrics: [MetricID] = ReportChart.all.flatMap { $0.series.map(\.metric) }

    /// Asks the server for all of it over one connection. The window ends at the step boundary after `now`.
    static func gather(
        from connection: some MonitorExchanging, address: String, span: Int64, step: Int64, now: Int64, top: UInt16
    ) async throws -> ReportData {
        guard case .serverInfo(let info) = try await connection.perform(.serverInfo, action: "server info") else {
            throw ReportError.unexpectedAnswer("server info")
        }
        guard case .metrics(let snapshot) = try await connection.perform(.metrics, action: "stats") else {
            throw ReportError.unexpectedAnswer("metrics")
        }
        let to = (now + step - 1) / step * step
        var history: [MetricID: HistorySeries] = [:]
        for metric in chartedMetrics {
            let query = HistoryQuery(metric: metric, from: to - span, to: to, step: step)
            guard case .history(let series) = try await connection.perform(.history(query), action: "history")
            else { throw ReportError.unexpectedAnswer("history") }
            history[metric] = series
        }
        let ranking = RankingQuery(since: to - span, limit: top)
        let hint = "this pop3d predates the report's rankings (monitor operations 0x70 and 0x71)"
        guard
            case .topUsers(let users) = try await connection.perform(
                .topUsers(ranking), action: "top users", unknownHint: hint)
        else { throw ReportError.unexpectedAnswer("top users") }
        guard
            case .failedLoginsByPeer(let peers) = try await connection.perform(
                .failedLoginsByPeer(ranking), action: "failed logins by peer", unknownHint: hint)
        else { throw ReportError.unexpectedAnswer("failed logins") }
        let sessions = try await connection.allSessions()
        return ReportData(
            server: info, address: address, now: snapshot, since: to - span, span: span, step: step, history: history,
            topUsers: users, failedLogins: peers, sessions: sessions)
    }
}

enum ReportError: Error, CustomStringConvertible {
    case unexpectedAnswer(String)

    var description: String {
        switch self {
        case .unexpectedAnswer(let what): "the server's answer to the \(what) request is not what was asked"
        }
    }
}
