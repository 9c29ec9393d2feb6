import Foundation
import Storage
import Testing

/// `pop3ctl report --html`: a database seeded with known history, a real pop3d on it, the real pop3ctl; the page's
/// charts, rankings and state are read back and compared with what was seeded.
@Suite("HTML report")
struct ReportTests {
    static let step: Int64 = 600
    static let span: Int64 = 10_800
    /// The metrics charted, and the increase each seeded bucket gets (bucket 1 ... 12 of the window).
    static let seeded: [(metric: String, increase: @Sendable (Int64) -> Double)] = [
        ("connections_total", { Double($0 * 3 % 7 + 1) }),
        ("logins_ok", { Double($0 % 4) }),
        ("logins_failed", { $0 == 5 ? 9 : 0 }),
        ("bytes_out", { Double($0 * 150_000) }),
        ("bytes_in", { Double(($0 % 3) * 2_000) }),
        ("messages_retrieved", { Double($0 % 5 * 2) }),
        ("messages_deleted", { Double($0 % 2) }),
    ]

    @Test("each chart draws the seeded history; the rankings and the state are the database's and the server's")
    func reportFromSeededHistory() async throws {
        let workspace = try Workspace()
        let now = Int64(Date().timeIntervalSince1970)
        let from = (now + Self.step - 1) / Self.step * Self.step - Self.span
        func at(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
        try await workspace.prepareDatabase()
        try await workspace.withStores(firstRun: .quickStart) { stores in
            // One sample per bucket, mid-bucket: bucket 0 holds the starting totals, buckets 1 ... 12 the growth.
            for (metric, increase) in Self.seeded {
                var total = 1_000.0
                var samples = [MetricSample(metric: MetricKey(metric), time: at(from + 300), value: total)]
                for bucket in Int64(1)...12 {
                    total += increase(bucket)
                    samples.append(
                        MetricSample(metric: MetricKey(metric), time: at(from + bucket * 600 + 300), value: total))
                }
                for sample in samples { try await stores.metrics.appendSamples([sample]) }
            }
            func session(_ user: String?, bytes: Int64, retr: Int, endedAgo: Int64) -> SessionRecord {
                SessionRecord(
                    sessionID: UUID().uuidString, user: user, peer: "192.0.2.9", startedAt: at(now - endedAgo - 5),
                    endedAt: at(now - endedAgo), bytesIn: 10, bytesOut: bytes, retrCount: retr, topCount: 0,
                    deleCount: 0,
                    endReason: .quit)
            }
            try await stores.sessions.record([
                session("alice", bytes: 5_000, retr: 2, endedAgo: 600),
                session("alice", bytes: 7_000, retr: 3, endedAgo: 300),
                session("alice", bytes: 1_000, retr: 0, endedAgo: 60),
                session("bob", bytes: 20_000, retr: 4, endedAgo: 1_200),
                session("carol", bytes: 50, retr: 1, endedAgo: 100),
                session(nil, bytes: 90_000, retr: 0, endedAgo: 100),
                // Before the window: not counted.
                session("carol", bytes: 100_000, retr: 9, endedAgo: 5 * 3_600),
            ])
            var events: [AuthEvent] = []
            for _ in 0..<4 {
                events.append(AuthEvent(time: at(now - 200), userName: "x", peer: "203.0.113.5", result: .failed))
            }
            events.append(AuthEvent(time: at(now - 100), userName: "x", peer: "203.0.113.5", result: .failed))
            for _ in 0..<2 {
                events.append(AuthEvent(time: at(now - 900), userName: "y", peer: "198.51.100.7", result: .failed))
            }
            for _ in 0..<3 {
                events.append(AuthEvent(time: at(now - 900), userName: "y", peer: "198.51.100.7", result: .ok))
            }
            events.append(AuthEvent(time: at(now - 5 * 3_600), userName: "z", peer: "192.0.2.1", result: .failed))
            events.append(AuthEvent(time: at(now - 50), userName: "w", peer: "192.0.2.77", result: .inUse))
            try await stores.authEvents.record(events)
        }
        // On PostgreSQL the seeded samples are the node "test-setup"'s: the server answers as that node.
        let server = try await ServerProcess.start(workspace, options: ["--monitor-port", "0"], nodeName: "test-setup")
        let monitor = try await Self.monitorPort(server)
        let file = workspace.path("report.html")
        let result = try await Self.pop3ctl(
            [
                "report", "--html", file, "--since", "3h", "--step", "10m", "--port", "\(monitor)", "--token",
                SeedDefaults.adminToken,
            ])
        #expect(result.status == 0, "\(result)")
        let html = try String(contentsOfFile: file, encoding: .utf8)

        // Self-contained: no script, nothing fetched.
        for forbidden in ["<script", "http://", "https://", "src=", "href=", "@import", "url("] {
            #expect(!html.contains(forbidden), "\(forbidden)")
        }
        // Each chart: every seeded bucket's point has the seeded increase, at the height the scale gives it.
        let charts = ReportHTML.charts(html)
        #expect(Set(charts.keys) == ["connections", "logins", "bytes", "messages"], "\(charts.keys)")
        var checked = 0
        for (id, chart) in charts {
            #expect(chart.buckets == Int(Self.span / Self.step), "\(id)")
            let largest = chart.lines.flatMap(\.values).max() ?? 0
            #expect(
                chart.maximum >= largest && chart.maximum < largest * 5 + 1, "\(id): \(chart.maximum) for \(largest)")
            for line in chart.lines {
                let increase = try #require(Self.seeded.first { $0.metric == line.metric }?.increase, "\(line.metric)")
                for bucket in Int64(1)...12 {
                    let index = try #require(
                        line.starts.firstIndex(of: from + bucket * Self.step), "\(line.metric) \(bucket)")
                    #expect(line.values[index] == increase(bucket), "\(line.metric) bucket \(bucket): \(line.values)")
                    checked += 1
                }
                #expect(line.points.count == line.values.count)
                for (point, value) in zip(line.points, line.values) {
                    let y = 12 + (200 - 12 - 28) * (1 - value / chart.maximum)
                    #expect(abs(point.y - y) < 0.01, "\(line.metric): y \(point.y) for \(value)")
                }
                let xs = line.points.map(\.x)
                #expect(xs == xs.sorted() && (xs.first ?? 0) >= 64 && (xs.last ?? 1_000) <= 720 - 12, "\(xs)")
            }
        }
        #expect(checked == Self.seeded.count * 12)

        // Rankings: the window's rows only, the largest first; sessions without a user and older rows left out.
        #expect(
            ReportHTML.rows(html, table: "top-users", key: "data-user", value: "data-bytes") == [
                ["bob", "20000"], ["alice", "13000"], ["carol", "50"],
            ])
        #expect(
            ReportHTML.rows(html, table: "failed-logins", key: "data-peer", value: "data-failed") == [
                ["203.0.113.5", "5"], ["198.51.100.7", "2"],
            ])
        // The current state: the live values and the open sessions.
        #expect(html.contains("<td>connections_current</td>"))
        #expect(html.contains("0 sessions open at"))
        #expect(try await server.stop() == 0)
    }

    @Test("a bad window or file is refused with a clear error")
    func badArguments() async throws {
        for arguments in [["--since", "x"], ["--step", "0"], ["--since", "365d", "--step", "1m"], ["--top", "0"]] {
            let result = try await Self.pop3ctl(
                ["report", "--html", "/tmp/never.html", "--token", SeedDefaults.adminToken] + arguments)
            #expect(result.status == 64, "\(arguments): \(result)")
            #expect(!result.errors.isEmpty)
        }
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace, options: ["--monitor-port", "0"])
        let monitor = try await Self.monitorPort(server)
        let unwritable = workspace.path("missing-folder/report.html")
        let result = try await Self.pop3ctl(
            ["report", "--html", unwritable, "--port", "\(monitor)", "--token", SeedDefaults.adminToken])
        #expect(result.status == 1, "\(result)")
        #expect(result.errors.contains("cannot write"), "\(result)")
        #expect(try await server.stop() == 0)
    }

    static func pop3ctl(_ arguments: [String]) async throws -> CommandResult {
        let binary = URL(fileURLWithPath: try ServerBinary.path()).deletingLastPathComponent()
            .appendingPathComponent("pop3ctl").path
        return try await ExternalCommand.run(binary, arguments, environment: ["POP3CTL_TOKEN": ""])
    }

    static func monitorPort(_ server: ServerProcess) async throws -> Int {
        guard let line = await server.waitForLine(where: { $0.message == "monitor listening" }),
            let address = line["address"], let text = address.split(separator: ":").last, let port = Int(text)
        else { throw IntegrationError("pop3d did not report a monitor port.\n\(server.transcript)") }
        return port
    }
}

/// Reads back what the report drew: its charts' lines and its tables' rows.
enum ReportHTML {
    struct Line {
        let metric: String
        let starts: [Int64]
        let values: [Double]
        let points: [(x: Double, y: Double)]
    }

    struct Chart {
        let maximum: Double
        let buckets: Int
        let lines: [Line]
    }

    static func charts(_ html: String) -> [String: Chart] {
        var charts: [String: Chart] = [:]
        for figure in html.matches(of: /<figure id="chart-([a-z]+)">(.*?)<\/figure>/.dotMatchesNewlines()) {
            let body = String(figure.output.2)
            guard let svg = body.firstMatch(of: /<svg [^>]*data-max="([0-9.]+)" data-buckets="([0-9]+)">/),
                let maximum = Double(svg.output.1), let buckets = Int(svg.output.2)
            else { continue }
            let lines = body.matches(
                of:
                    /<polyline class="series" data-metric="([a-z_]+)" data-starts="([0-9 ]*)" data-values="([0-9. ]*)" points="([0-9., ]*)"/
            ).map { match in
                Line(
                    metric: String(match.output.1),
                    starts: match.output.2.split(separator: " ").compactMap { Int64($0) },
                    values: match.output.3.split(separator: " ").compactMap { Double($0) },
                    points: match.output.4.split(separator: " ").compactMap { pair in
                        let xy = pair.split(separator: ",").compactMap { Double($0) }
                        return xy.count == 2 ? (xy[0], xy[1]) : nil
                    })
            }
            charts[String(figure.output.1)] = Chart(maximum: maximum, buckets: buckets, lines: lines)
        }
        return charts
    }

    /// The `key` and `value` attributes of each row of the table with this id.
    static func rows(_ html: String, table: String, key: String, value: String) -> [[String]] {
        guard let start = html.range(of: "<table id=\"\(table)\">"),
            let end = html.range(of: "</table>", range: start.upperBound..<html.endIndex)
        else { return [] }
        let body = String(html[start.upperBound..<end.lowerBound])
        return body.split(separator: "\n").compactMap { row in
            guard let k = attribute(String(row), key), let v = attribute(String(row), value) else { return nil }
            return [k, v]
        }
    }

    private static func attribute(_ text: String, _ name: String) -> String? {
        guard let start = text.range(of: "\(name)=\"") else { return nil }
        let rest = text[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
