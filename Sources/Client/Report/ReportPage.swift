import MonitorProtocol

/// The report as one self-contained HTML page: inline CSS and SVG only, no script, nothing loaded from elsewhere.
/// Each chart's lines carry their data (`data-metric`, `data-starts`, `data-values`, and the scale's `data-max` on
/// the SVG), so a test reads back what was drawn.
enum ReportPage {
    static func render(_ data: ReportData, generatedAt: Int64) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>pop3d report: \(escape(data.address))</title>
            <style>\(style)</style>
            </head>
            <body>
            <h1>pop3d report</h1>

            """
        let until = data.since + data.span
        html += "<p class=\"meta\">\(escape(data.address)), pop3d \(escape(data.server.version)), up "
        html += "\(NumberText.duration(seconds: data.server.uptimeSeconds)). History from \(UTCTime.format(data.since))"
        html += " to \(UTCTime.format(until)), one point per \(NumberText.duration(seconds: UInt64(data.step))). "
        html += "Made \(UTCTime.format(generatedAt)).</p>\n"
        html += currentState(data)
        html += "<h2>History</h2>\n"
        for chart in ReportChart.all {
            html += svg(chart, data)
        }
        html += topUsers(data)
        html += failedLogins(data)
        html += "</body>\n</html>\n"
        return html
    }

    private static func currentState(_ data: ReportData) -> String {
        var html = "<h2>Current state</h2>\n<table class=\"state\">\n<tr><th>Metric</th><th>Value</th></tr>\n"
        for value in data.now.values {
            let shown: String
            switch value.metric {
            case .bytesIn, .bytesOut, .databaseBytes: shown = NumberText.bytes(value.value)
            case .uptimeSeconds: shown = NumberText.duration(seconds: value.value)
            default: shown = "\(value.value)"
            }
            html += "<tr><td>\(escape(value.metric.name))</td><td class=\"n\">\(escape(shown))</td></tr>\n"
        }
        html += "</table>\n"
        let open = data.sessions.count
        html += "<p>\(open) session\(open == 1 ? "" : "s") open at \(UTCTime.format(data.now.time)).</p>\n"
        if open > 0 {
            html +=
                "<table class=\"sessions\">\n<tr><th>User</th><th>Peer</th><th>Since</th><th>In</th><th>Out</th></tr>\n"
            for session in data.sessions.prefix(50) {
                html += "<tr><td>\(escape(session.user.isEmpty ? "-" : session.user))</td>"
                html += "<td>\(escape(session.peer))</td><td>\(UTCTime.format(session.since))</td>"
                html += "<td class=\"n\">\(NumberText.bytes(session.bytesIn))</td>"
                html += "<td class=\"n\">\(NumberText.bytes(session.bytesOut))</td></tr>\n"
            }
            html += "</table>\n"
        }
        return html
    }

    /// One chart: a line per series, the scale's maximum rounded up to 1, 2 or 5 times a power of ten.
    static func svg(_ chart: ReportChart, _ data: ReportData) -> String {
        let buckets = Int(max(1, data.span / data.step))
        let points = chart.series.map { data.history[$0.metric]?.points ?? [] }
        let largest = points.flatMap { $0.map(\.value) }.filter(\.isFinite).max() ?? 0
        let maximum = niceCeiling(largest)
        let (w, h) = (ReportChart.width, ReportChart.height)
        var svg = "<figure id=\"chart-\(chart.id)\">\n<figcaption>\(escape(chart.title)) per "
        svg += "\(NumberText.duration(seconds: UInt64(data.step)))</figcaption>\n"
        svg += "<svg viewBox=\"0 0 \(n(w)) \(n(h))\" width=\"\(n(w))\" "
        svg += "height=\"\(n(h))\" role=\"img\" data-max=\"\(n(maximum))\" data-buckets=\"\(buckets)\">\n"
        let bottom = h - ReportChart.bottom
        let right = w - ReportChart.right
        // Grid: the baseline, the half and the top of the scale, labelled.
        for fraction in [0.0, 0.5, 1.0] {
            let y = ReportChart.y(maximum * fraction, maximum: maximum)
            svg +=
                "<line class=\"grid\" x1=\"\(n(ReportChart.left))\" y1=\"\(n(y))\" x2=\"\(n(right))\" y2=\"\(n(y))\"/>"
            svg += "<text class=\"axis\" x=\"\(n(ReportChart.left - 6))\" y=\"\(n(y + 4))\" text-anchor=\"end\">"
            svg += "\(escape(label(maximum * fraction, bytes: chart.bytes)))</text>\n"
        }
        svg += "<text class=\"axis\" x=\"\(n(ReportChart.left))\" y=\"\(n(bottom + 18))\">"
        svg += "\(UTCTime.format(data.since))</text>"
        svg += "<text class=\"axis\" x=\"\(n(right))\" y=\"\(n(bottom + 18))\" text-anchor=\"end\">"
        svg += "\(UTCTime.format(data.since + data.span))</text>\n"
        for (series, seriesPoints) in zip(chart.series, points) {
            let placed = seriesPoints.map { point -> (Int64, Double, Double, Double) in
                let index = Int((point.start - data.since) / data.step)
                let value = point.value.isFinite ? point.value : 0
                return (point.start, value, ReportChart.x(index, of: buckets), ReportChart.y(value, maximum: maximum))
            }
            svg += "<polyline class=\"series\" data-metric=\"\(series.metric.name)\" "
            svg += "data-starts=\"\(placed.map { "\($0.0)" }.joined(separator: " "))\" "
            svg += "data-values=\"\(placed.map { n($0.1) }.joined(separator: " "))\" "
            svg += "points=\"\(placed.map { "\(n($0.2)),\(n($0.3))" }.joined(separator: " "))\" "
            svg += "fill=\"none\" stroke=\"\(series.colour)\" stroke-width=\"2\"/>\n"
        }
        // The legend, top left inside the plot.
        for (position, series) in chart.series.enumerated() {
            let x = ReportChart.left + 10 + Double(position) * 110
            svg +=
                "<rect x=\"\(n(x))\" y=\"\(n(ReportChart.top + 2))\" width=\"12\" height=\"4\" fill=\"\(series.colour)\"/>"
            svg += "<text class=\"legend\" x=\"\(n(x + 16))\" y=\"\(n(ReportChart.top + 8))\">"
            svg += "\(escape(series.label))</text>\n"
        }
        svg += "</svg>\n</figure>\n"
        return svg
    }

    private static func topUsers(_ data: ReportData) -> String {
        var html = "<h2>Top users by bytes sent</h2>\n"
        guard !data.topUsers.isEmpty else { return html + "<p>No finished sessions with a login in the window.</p>\n" }
        html +=
            "<table id=\"top-users\">\n<tr><th>User</th><th>Bytes sent</th><th>Sessions</th><th>Retrieved</th></tr>\n"
        for user in data.topUsers {
            html += "<tr data-user=\"\(escape(user.user))\" data-bytes=\"\(user.bytesOut)\">"
            html += "<td>\(escape(user.user))</td><td class=\"n\">\(NumberText.bytes(user.bytesOut))</td>"
            html += "<td class=\"n\">\(user.sessions)</td><td class=\"n\">\(user.retrieved)</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private static func failedLogins(_ data: ReportData) -> String {
        var html = "<h2>Failed logins by peer</h2>\n"
        guard !data.failedLogins.isEmpty else { return html + "<p>No failed logins in the window.</p>\n" }
        html += "<table id=\"failed-logins\">\n<tr><th>Peer</th><th>Failed</th><th>Last failure</th></tr>\n"
        for peer in data.failedLogins {
            html += "<tr data-peer=\"\(escape(peer.peer))\" data-failed=\"\(peer.failed)\">"
            html += "<td>\(escape(peer.peer))</td><td class=\"n\">\(peer.failed)</td>"
            html += "<td>\(UTCTime.format(peer.lastFailure))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// The smallest of 1, 2 or 5 times a power of ten at or above `value` (1 for nothing to show).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 1 else { return 1 }
        var power = 1.0
        while power * 10 <= value { power *= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * power >= value {
            return factor * power
        }
        return 10 * power
    }

    private static func label(_ value: Double, bytes: Bool) -> String {
        bytes ? NumberText.bytes(UInt64(max(0, value))) : NumberText.compact(value)
    }

    /// A number in SVG: at most two decimals.
    static func n(_ value: Double) -> String {
        NumberText.decimal(value)
    }

    /// Text and attribute values: the five characters HTML gives meaning to.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static let style = """
        body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:780px}\
        h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}\
        .meta{color:#555}table{border-collapse:collapse;margin:8px 0}\
        td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}td.n{text-align:right}\
        figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}\
        svg{background:#fafafa;border:1px solid #e4e4e4}.grid{stroke:#ddd;stroke-width:1}\
        .axis{font-size:11px;fill:#666}.legend{font-size:11px;fill:#333}
        """
}
