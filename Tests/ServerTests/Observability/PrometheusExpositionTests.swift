import MonitorProtocol
import Testing

@testable import Server

@Suite("Prometheus exposition")
struct PrometheusExpositionTests {
    @Test("each metric: HELP, TYPE, then its sample with the node label and the live value")
    func everyMetricInOrder() throws {
        let metrics = ServerMetrics()
        metrics.add(.connectionsTotal, 3)
        metrics.add(.connectionsCurrent, 2)
        metrics.add(.bytesOut, 12_345)
        metrics.add(.loginsFailed)
        let text = PrometheusExposition.render(metrics.snapshot(), version: "0.1.0", node: "mail1")
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines.count == 3 * (MetricID.allCases.count + 1))
        for (position, metric) in MetricID.allCases.enumerated() {
            let family = PrometheusMetric(metric)
            let start = position * 3
            #expect(lines[start] == "# HELP \(family.name) \(family.help)")
            #expect(lines[start + 1] == "# TYPE \(family.name) \(family.kind.rawValue)")
            let sample = lines[start + 2].split(separator: " ")
            #expect(sample.count == 2 && sample[0] == "\(family.name){node=\"mail1\"}", "\(lines[start + 2])")
            if metric != .uptimeSeconds { #expect(Int64(sample[1]) == metrics.value(metric), "\(metric)") }
        }
        #expect(lines.contains("pop3d_connections_total{node=\"mail1\"} 3"))
        #expect(lines.contains("pop3d_connections_current{node=\"mail1\"} 2"))
        #expect(lines.contains("pop3d_bytes_out_total{node=\"mail1\"} 12345"))
        #expect(lines.contains("pop3d_logins_failed_total{node=\"mail1\"} 1"))
        #expect(
            lines.suffix(3) == [
                "# HELP pop3d_build_info The running pop3d's version; the value is always 1.",
                "# TYPE pop3d_build_info gauge", "pop3d_build_info{node=\"mail1\",version=\"0.1.0\"} 1",
            ])
        // Every sample line carries the label, none carries it twice.
        let samples = lines.filter { !$0.hasPrefix("#") }
        #expect(samples.count == MetricID.allCases.count + 1)
        #expect(samples.allSatisfy { $0.components(separatedBy: "{node=\"mail1\"").count == 2 }, "\(samples)")
    }

    @Test("names follow the conventions: pop3d_ prefix, legal characters, _total on counters only, unique")
    func names() {
        let families = MetricID.allCases.map(PrometheusMetric.init)
        for family in families {
            #expect(family.name.wholeMatch(of: /pop3d_[a-z0-9_]+/) != nil, "\(family.name)")
            #expect(family.name.hasSuffix("_total") == (family.kind == .counter), "\(family.name)")
            #expect(!family.name.hasSuffix("_total_total"))
            #expect(!family.help.isEmpty && !family.help.contains("\n"))
        }
        #expect(Set(families.map(\.name)).count == families.count)
        #expect(PrometheusMetric(.connectionsTotal).name == "pop3d_connections_total")
        #expect(PrometheusMetric(.bytesOut).name == "pop3d_bytes_out_total")
        #expect(PrometheusMetric(.connectionsCurrent).kind == .gauge)
        #expect(PrometheusMetric(.uptimeSeconds).name == "pop3d_uptime_seconds")
    }

    @Test("a version or node name with quotes, backslashes or line feeds cannot break the labels")
    func labelEscaping() {
        let text = PrometheusExposition.render([], version: "1.0\"x\\y\nz", node: "a\"b")
        #expect(text.hasSuffix("pop3d_build_info{node=\"a\\\"b\",version=\"1.0\\\"x\\\\y\\nz\"} 1\n"))
        let odd = PrometheusExposition.render([(.connectionsTotal, 4)], version: "v", node: "n\\1\nx")
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
        #expect(ok.body.contains("\npop3d_bytes_in_total{node=\"n\"} 9\n"))
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
