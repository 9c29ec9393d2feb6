import Foundation
import MonitorProtocol
import Testing

@testable import Server

@Suite("Prometheus exposition")
struct PrometheusExpositionTests {
    /// The sample lines of a body, without comments.
    private static func samples(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    @Test("each exported metric: HELP, TYPE, then its sample with the node label and the value in base units")
    func everyMetric() throws {
        let metrics = ServerMetrics(startedAt: Date(timeIntervalSince1970: 1_700_000_000.5))
        metrics.add(.connectionsTotal, 3)
        metrics.add(.connectionsCurrent, 2)
        metrics.add(.bytesOut, 12_345)
        metrics.set(.eventLoopLagMaxMilliseconds, 250)
        metrics.add(.sessionsTimeout, 4)
        let text = PrometheusExposition.render(metrics, version: "0.1.0", node: "mail1")
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n").map(String.init)
        for metric in MetricID.allCases {
            guard let family = PrometheusMetric(metric) else { continue }
            let at = try #require(lines.firstIndex(of: "# HELP \(family.name) \(family.help)"), "\(metric)")
            #expect(lines[at + 1] == "# TYPE \(family.name) \(family.kind.rawValue)")
            #expect(lines[at + 2].hasPrefix("\(family.name){node=\"mail1\"} "), "\(lines[at + 2])")
        }
        #expect(lines.contains("process_start_time_seconds{node=\"mail1\"} 1700000000.5"))
        #expect(lines.contains("pop3d_connections_total{node=\"mail1\"} 3"))
        #expect(lines.contains("pop3d_connections_current{node=\"mail1\"} 2"))
        #expect(lines.contains("pop3d_sent_bytes_total{node=\"mail1\"} 12345"))
        #expect(lines.contains("pop3d_event_loop_lag_max_seconds{node=\"mail1\"} 0.25"))
        #expect(lines.contains("pop3d_sessions_ended_total{node=\"mail1\",reason=\"timeout\"} 4"))
        #expect(lines.contains("pop3d_sessions_ended_total{node=\"mail1\",reason=\"quit\"} 0"))
        #expect(lines.contains("pop3d_login_failures_total{node=\"mail1\",reason=\"bad_credentials\"} 0"))
        #expect(!text.contains("uptime"))
        #expect(
            lines.suffix(3) == [
                "# HELP pop3d_build_info The running pop3d's version; the value is always 1.",
                "# TYPE pop3d_build_info gauge", "pop3d_build_info{node=\"mail1\",version=\"0.1.0\"} 1",
            ])
        // Every sample carries the label once, first.
        let samples = Self.samples(text)
        #expect(samples.allSatisfy { $0.components(separatedBy: "{node=\"mail1\"").count == 2 }, "\(samples)")
        // No journal measured yet, no TLS: those gauges are absent rather than wrong.
        #expect(!text.contains("pop3d_deletion_journal_rows"))
        #expect(!text.contains("pop3d_tls_certificate"))
    }

    @Test("names follow the conventions: pop3d_ prefix, legal characters, _total on counters only, unique")
    func names() {
        let families = MetricID.allCases.compactMap(PrometheusMetric.init)
        for family in families {
            #expect(family.name.wholeMatch(of: /pop3d_[a-z0-9_]+/) != nil, "\(family.name)")
            #expect(family.name.hasSuffix("_total") == (family.kind == .counter), "\(family.name)")
            #expect(!family.name.contains("_ms") && !family.name.hasSuffix("_total_total"), "\(family.name)")
            #expect(!family.help.isEmpty && !family.help.contains("\n"))
        }
        #expect(Set(families.map(\.name)).count == families.count)
        #expect(PrometheusMetric(.bytesOut)?.name == "pop3d_sent_bytes_total")
        #expect(PrometheusMetric(.databaseBytes)?.name == "pop3d_database_size_bytes")
        #expect(PrometheusMetric(.uptimeSeconds) == nil)
        #expect(PrometheusMetric(.sessionsQuit) == nil)
    }

    @Test("a histogram: cumulative buckets, +Inf equal to the count, the sum in base units")
    func histogram() {
        let metrics = ServerMetrics()
        let detail = metrics.detail
        detail.retrSize.observe(1_000)
        detail.retrSize.observe(5_000)
        detail.retrSize.observe(100_000_000)
        detail.loginDuration("PLAIN", "hit").observe(Duration.milliseconds(3))
        detail.loginDuration("PLAIN", "hit").observe(Duration.milliseconds(30))
        let lines = Self.samples(PrometheusExposition.render(metrics, version: "v", node: "n"))
        #expect(lines.contains("pop3d_retr_size_bytes_bucket{node=\"n\",le=\"1024\"} 1"))
        #expect(lines.contains("pop3d_retr_size_bytes_bucket{node=\"n\",le=\"4096\"} 1"))
        #expect(lines.contains("pop3d_retr_size_bytes_bucket{node=\"n\",le=\"16384\"} 2"))
        #expect(lines.contains("pop3d_retr_size_bytes_bucket{node=\"n\",le=\"67108864\"} 2"))
        #expect(lines.contains("pop3d_retr_size_bytes_bucket{node=\"n\",le=\"+Inf\"} 3"))
        #expect(lines.contains("pop3d_retr_size_bytes_sum{node=\"n\"} 100006000"))
        #expect(lines.contains("pop3d_retr_size_bytes_count{node=\"n\"} 3"))
        let plain = "node=\"n\",mechanism=\"PLAIN\",cache=\"hit\""
        #expect(lines.contains("pop3d_login_duration_seconds_bucket{\(plain),le=\"0.0025\"} 0"))
        #expect(lines.contains("pop3d_login_duration_seconds_bucket{\(plain),le=\"0.005\"} 1"))
        #expect(lines.contains("pop3d_login_duration_seconds_bucket{\(plain),le=\"0.05\"} 2"))
        #expect(lines.contains("pop3d_login_duration_seconds_sum{\(plain)} 0.033"))
        #expect(lines.contains("pop3d_login_duration_seconds_count{\(plain)} 2"))
        // Buckets never decrease.
        let counts = lines.filter { $0.hasPrefix("pop3d_retr_size_bytes_bucket") }.compactMap {
            Int($0.split(separator: " ").last ?? "")
        }
        #expect(counts == counts.sorted() && counts.count == HistogramBounds.size.count + 1)
    }

    @Test("the journal gauge and the certificate's expiry appear once measured or configured")
    func optionalGauges() {
        struct Certificate: CertificateExpiry { let notValidAfter: Int64 }
        let metrics = ServerMetrics()
        metrics.detail.journalPending.store(2, ordering: .relaxed)
        metrics.detail.journalCommitting.store(1, ordering: .relaxed)
        metrics.detail.watchCertificate(Certificate(notValidAfter: 1_900_000_000))
        let lines = Self.samples(PrometheusExposition.render(metrics, version: "v", node: "n"))
        #expect(lines.contains("pop3d_deletion_journal_rows{node=\"n\",state=\"committing\"} 1"))
        #expect(lines.contains("pop3d_deletion_journal_rows{node=\"n\",state=\"pending\"} 2"))
        #expect(lines.contains("pop3d_tls_certificate_not_after_timestamp_seconds{node=\"n\"} 1900000000"))
    }

    @Test("the mechanism label takes only known names")
    func mechanismLabel() {
        var tracker = LoginMechanismTracker()
        #expect(tracker.mechanism == "USER")
        tracker.observe(.line(Array("AUTH plain".utf8)))
        #expect(tracker.mechanism == "PLAIN")
        tracker.observe(.line(Array("dGVzdAB0ZXN0AHRlc3Q=".utf8)))
        #expect(tracker.mechanism == "PLAIN")
        tracker.observe(.line(Array("AUTH X-\(String(repeating: "A", count: 500))".utf8)))
        #expect(tracker.mechanism == "other")
        tracker.observe(.line(Array("USER bob".utf8)))
        #expect(tracker.mechanism == "USER")
        tracker.observe(.lineTooLong)
        #expect(tracker.mechanism == "USER")
    }

    @Test("a version or node name with quotes, backslashes or line feeds cannot break the labels")
    func labelEscaping() {
        let text = PrometheusExposition.render(ServerMetrics(), version: "1.0\"x\\y\nz", node: "a\"b")
        #expect(text.hasSuffix("pop3d_build_info{node=\"a\\\"b\",version=\"1.0\\\"x\\\\y\\nz\"} 1\n"))
        let metrics = ServerMetrics()
        metrics.add(.connectionsTotal, 4)
        let odd = PrometheusExposition.render(metrics, version: "v", node: "n\\1\nx")
        #expect(odd.contains("\npop3d_connections_total{node=\"n\\\\1\\nx\"} 4\n"), "\(odd)")
        #expect(PrometheusExposition.escapeHelp("a\\b\nc\"d") == "a\\\\b\\nc\"d")
    }

    @Test("GET /metrics answers the exposition; other paths 404, other methods 405")
    func routing() {
        let metrics = ServerMetrics()
        metrics.add(.bytesIn, 9)
        let ok = PrometheusReply.answer(method: "GET", target: "/metrics", metrics: metrics, version: "v", node: "n")
        #expect(ok.status == 200)
        #expect(ok.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(ok.body.contains("\npop3d_received_bytes_total{node=\"n\"} 9\n"))
        let query = PrometheusReply.answer(
            method: "GET", target: "/metrics?x=1", metrics: metrics, version: "v", node: "n")
        #expect(query.status == 200)
        for target in ["/", "/other", "/metrics/", "/metricsx", "metrics", "", "/METRICS"] {
            let reply = PrometheusReply.answer(method: "GET", target: target, metrics: metrics, version: "v", node: "n")
            #expect(reply.status == 404, "\(target)")
            #expect(!reply.body.contains("pop3d_"))
        }
        for method in ["POST", "PUT", "DELETE", "HEAD", "get"] {
            let reply = PrometheusReply.answer(
                method: method, target: "/metrics", metrics: metrics, version: "v", node: "n")
            #expect(reply.status == 405, "\(method)")
            #expect(reply.allow == "GET")
        }
    }
}
