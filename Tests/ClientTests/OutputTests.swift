import MonitorProtocol
import Testing

@testable import Client

/// Tables, charts, JSON and the words people read.
@Suite struct OutputTests {
    @Test func tableAlignsColumns() {
        var table = TextTable(headers: ["NAME", "VALUE"], alignments: [.left, .right])
        table.append(["a", "1"])
        table.append(["longer", "12345"])
        #expect(table.rendered() == "NAME    VALUE\na           1\nlonger  12345")
    }

    @Test func chartScalesToTheLargestValue() {
        let chart = BlockChart(height: 2, maxColumns: 10)
        let lines = chart.rendered([0, 2, 4]).split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines[0] == "4 ┤  █")
        #expect(lines[1] == "0 ┤ ██")
    }

    @Test func chartGroupsKeepPeaks() {
        let chart = BlockChart(height: 1, maxColumns: 2)
        #expect(chart.grouped([1, 9, 2, 3]) == [9, 3])
        #expect(chart.grouped([1, 2]) == [1, 2])
        #expect(BlockChart().rendered([]) == "(no data)")
    }

    @Test func numbersForPeople() {
        #expect(NumberText.bytes(512) == "512 B")
        #expect(NumberText.bytes(1_536) == "1.5 KiB")
        #expect(NumberText.bytes(UInt64.max) == "16.0 EiB")
        #expect(NumberText.duration(seconds: 45) == "45s")
        #expect(NumberText.duration(seconds: 200) == "3m 20s")
        #expect(NumberText.duration(seconds: 93_784) == "1d 2h")
        #expect(NumberText.decimal(2.5) == "2.5")
        #expect(NumberText.decimal(3) == "3")
        #expect(NumberText.decimal(1.0 / 3) == "0.33")
        #expect(NumberText.decimal(-0.25) == "-0.25")
        #expect(NumberText.compact(1_500) == "1.5k")
    }

    @Test func utcTimes() {
        #expect(UTCTime.format(0) == "1970-01-01 00:00:00Z")
        #expect(UTCTime.format(951_782_400) == "2000-02-29 00:00:00Z")
        #expect(UTCTime.format(1_764_215_999) == "2025-11-27 03:59:59Z")
        #expect(UTCTime.format(-1) == "1969-12-31 23:59:59Z")
    }

    @Test func jsonEscapesAndKeepsOrder() {
        let value = JSONValue.object([
            ("b", .integer(1)), ("a", .string("q\"\n\u{1}")), ("c", .array([.null, .bool(true)])),
        ])
        #expect(
            value.rendered() == "{\n  \"b\": 1,\n  \"a\": \"q\\\"\\n\\u0001\",\n  \"c\": [\n    null,\n    true\n  ]\n}"
        )
    }

    @Test func statsTableAndJSON() {
        let snapshot = MetricsSnapshot(
            time: 0,
            values: [MetricValue(metric: .bytesOut, value: 2_048), MetricValue(metric: .connectionsCurrent, value: 3)])
        let table = MetricsView.table(snapshot)
        #expect(table.contains("bytes_out            counter   2048  2.0 KiB"))
        #expect(table.contains("connections_current  gauge        3"))
        #expect(MetricsView.json(snapshot).rendered().contains("\"bytes_out\": 2048"))
    }

    @Test func clusterStatsListTheNodesAndTheSums() {
        let answer = ClusterMetricsSnapshot(
            node: "mail1", nodeCount: 4,
            nodes: [
                ClusterNode(name: "mail1", newestSample: 7_200, gaugesCounted: true),
                ClusterNode(name: "mail2", newestSample: 7_195, gaugesCounted: true),
                ClusterNode(name: "mail3", newestSample: 3_600, gaugesCounted: false),
            ],
            metrics: MetricsSnapshot(
                time: 7_200,
                values: [
                    MetricValue(metric: .connectionsCurrent, value: 5), MetricValue(metric: .bytesOut, value: 2_048),
                ]))
        let text = MetricsView.clusterTable(answer)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "cluster metrics at 1970-01-01 02:00:00Z, asked mail1: 4 nodes")
        #expect(lines[1] == "NODE   NEWEST SAMPLE         GAUGES")
        #expect(lines[2] == "mail1  live (answering)      counted")
        #expect(lines[3] == "mail2  1970-01-01 01:59:55Z  counted")
        #expect(lines[4] == "mail3  1970-01-01 01:00:00Z  left out: no sample for 1h 0m")
        #expect(lines[5] == "(1 more nodes, silent the longest, not listed)")
        #expect(text.contains("connections_current  gauge        5"), "\(text)")
        #expect(text.contains("bytes_out            counter   2048  2.0 KiB"), "\(text)")
        let json = MetricsView.clusterJSON(answer).rendered()
        #expect(json.contains("\"scope\": \"cluster\""))
        #expect(json.contains("\"node_count\": 4"))
        #expect(json.contains("\"gauges_counted\": false"))
        #expect(json.contains("\"connections_current\": 5"))
        let single = ClusterMetricsSnapshot(
            node: "solo", nodeCount: 1, nodes: [ClusterNode(name: "solo", newestSample: 0, gaugesCounted: true)],
            metrics: MetricsSnapshot(time: 0, values: []))
        #expect(
            MetricsView.clusterTable(single).hasPrefix(
                "cluster metrics at 1970-01-01 00:00:00Z, asked solo: 1 node (no other node"))
    }

    @Test func clusterHistoryNamesItsNodes() {
        let series = HistorySeries(
            metric: .connectionsCurrent, step: 3_600, points: [HistoryPoint(start: 0, value: 2.5, maximum: 4)])
        let answer = ClusterHistorySeries(node: "mail2", nodeCount: 2, nodes: ["mail1", "mail2"], series: series)
        let text = HistoryView.clusterText(answer)
        #expect(
            text.contains(
                "cluster, asked mail2: 2 nodes with samples (mail1, mail2), summed (maximum: the sum of the nodes' maxima) per step"
            ),
            "\(text)")
        #expect(text.contains("1970-01-01 00:00:00Z      2.5        4"), "\(text)")
        let counter = ClusterHistorySeries(
            node: "a", nodeCount: 3, nodes: ["a"],
            series: HistorySeries(metric: .bytesIn, step: 60, points: [HistoryPoint(start: 0, value: 1, maximum: 1)]))
        #expect(HistoryView.clusterText(counter).contains("3 nodes with samples (a and 2 more), summed per step"))
        let none = ClusterHistorySeries(
            node: "a", nodeCount: 0, nodes: [], series: HistorySeries(metric: .bytesIn, step: 60, points: []))
        #expect(HistoryView.clusterText(none) == "bytes_in: no data\ncluster, asked a: 0 nodes with samples")
        let json = HistoryView.clusterJSON(answer).rendered()
        #expect(json.contains("\"nodes\": [\n    \"mail1\",\n    \"mail2\"\n  ]"), "\(json)")
        #expect(json.contains("\"maximum\": 4"))
    }

    @Test func historyTextShowsGaugeAverageAndMaximum() {
        let series = HistorySeries(
            metric: .connectionsCurrent, step: 3_600,
            points: [HistoryPoint(start: 0, value: 1.5, maximum: 4), HistoryPoint(start: 3_600, value: 2, maximum: 2)])
        let text = HistoryView.text(series)
        #expect(text.contains("AVERAGE"))
        #expect(text.contains("1970-01-01 00:00:00Z      1.5        4"))
        #expect(text.contains("from 1970-01-01 00:00:00Z to 1970-01-01 02:00:00Z"))
        #expect(HistoryView.json(series).rendered().contains("\"maximum\": 4"))
        #expect(HistoryView.text(HistorySeries(metric: .bytesIn, step: 60, points: [])) == "bytes_in: no data")
    }

    @Test func sessionsTable() {
        let entries = [
            SessionEntry(id: "s1", user: "", peer: "192.0.2.1:5000", since: 100, bytesIn: 10, bytesOut: 2_048)
        ]
        let text = ListViews.sessions(entries, now: 160)
        #expect(text.contains("s1       -     192.0.2.1:5000"))
        #expect(text.contains("1m 0s"))
        #expect(ListViews.sessionsJSON(entries).rendered().contains("\"user\": null"))
        #expect(ListViews.sessions([], now: 0) == "(no live sessions)")
    }

    @Test func refusalsNameTheStatusAndAHint() {
        let line = RefusalText.line(
            action: "-u bob", status: .badData, message: "",
            hint: RefusalText.legacyHint(for: .addUser(name: "bob", password: "x"), status: .badData))
        #expect(line.hasPrefix("pop3ctl: -u bob: refused: bad data (0x04): "))
        #expect(line.hasSuffix("does the user already exist?"))
        #expect(RefusalText.legacyHint(for: .legacyCounter(.connectionsTotal), status: .badData) == nil)
    }
}

@Suite struct StepTextTests {
    @Test func stepsUseTheirLargestWholeUnit() {
        #expect(HistoryView.stepText(3_600) == "1h")
        #expect(HistoryView.stepText(600) == "10m")
        #expect(HistoryView.stepText(90) == "90s")
        #expect(HistoryView.stepText(1_209_600) == "2w")
        #expect(HistoryView.stepText(0) == "0s")
    }
}
