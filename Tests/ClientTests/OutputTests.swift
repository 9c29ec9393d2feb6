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
