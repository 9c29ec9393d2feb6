import MonitorProtocol
import Testing

/// Metric ids, text rules, history arithmetic, list pages and statuses.
@Suite struct ValueTests {
    @Test func metricIdsAreInTheAgreedOrder() {
        let names = MetricID.allCases.map(\.name)
        #expect(
            names == [
                "connections_current", "connections_total", "bytes_out", "bytes_in", "logins_ok", "logins_failed",
                "messages_retrieved", "messages_deleted", "sessions_quit", "sessions_timeout", "sessions_dropped",
                "sessions_shutdown", "monitor_requests", "uptime_seconds", "connections_rejected",
                "event_loop_stalls", "event_loop_lag_max_ms", "database_bytes",
            ])
        #expect(MetricID.allCases.map(\.rawValue) == Array(0..<18))
        #expect(
            MetricID.allCases.filter { !$0.isCounter } == [
                .connectionsCurrent, .uptimeSeconds, .eventLoopLagMaxMilliseconds, .databaseBytes,
            ])
        #expect(MetricID(name: "bytes_in") == .bytesIn)
        #expect(MetricID(name: "bytes") == nil)
    }

    @Test func textRules() {
        #expect(TextField.name.accepts("bob"))
        #expect(TextField.name.accepts("jürgen"))
        #expect(!TextField.name.accepts(""))
        #expect(!TextField.name.accepts("a b"))
        #expect(!TextField.name.accepts("a:b"))
        #expect(!TextField.name.accepts(String(repeating: "x", count: 256)))
        #expect(TextField.password.accepts("a b:c"))
        #expect(!TextField.password.accepts("a\r"))
        #expect(TextField.shortText.accepts(""))
        #expect(TextField.path.text(from: [0x2f, 0xc3]) == nil)  // cut UTF-8
    }

    @Test func tokens() {
        #expect(MonitorToken("123456789abcdef1") != nil)
        #expect(MonitorToken("123456789abcdef") == nil)
        #expect(MonitorToken("123456789abcdef12") == nil)
        #expect(MonitorToken("123456789 bcdef1") == nil)
        #expect("\(seedToken)" == "<token>")
    }

    @Test func historyPointCount() {
        #expect(HistoryQuery(metric: .bytesIn, from: 0, to: 3_600, step: 60).pointCount == 60)
        #expect(HistoryQuery(metric: .bytesIn, from: 0, to: 61, step: 60).pointCount == 2)
        #expect(HistoryQuery(metric: .bytesIn, from: 10, to: 0, step: 60).pointCount == nil)
        #expect(HistoryQuery(metric: .bytesIn, from: .min, to: .max, step: 1).pointCount == Int.max)
        #expect(HistoryQuery(metric: .bytesIn, from: .min, to: .max, step: .max).pointCount == 3)
        #expect(HistoryQuery(metric: .bytesIn, from: 0, to: 10, step: 0).pointCount == nil)
    }

    @Test func listPagesFollowByteOrderAndTheCursor() {
        let names = (0..<2_500).map { "user\($0)" }.shuffled()
        var seen: [String] = []
        var cursor = ""
        var pages = 0
        while true {
            let page = ListPage.page(of: names, after: cursor, key: { $0 })
            seen += page.entries
            pages += 1
            guard page.more, let last = page.entries.last else { break }
            #expect(page.entries.count == MonitorLimits.maxListPageEntries)
            cursor = last
        }
        #expect(pages == 3)
        #expect(seen == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func statusesHaveDistinctNames() {
        #expect(Set(MonitorStatus.known.map(\.name)).count == MonitorStatus.known.count)
        #expect(MonitorStatus(rawValue: 0xee).name == "unknown status")
        #expect("\(MonitorStatus.tooLarge)" == "too large (0x09)")
    }

    @Test func logDescriptionsHideSecrets() {
        let add = MonitorOperation.addUser(name: "bob", password: "hunter2")
        let admin = MonitorOperation.addAdmin(name: "ann", token: seedToken)
        #expect(!add.logDescription.contains("hunter2"))
        #expect(!admin.logDescription.contains(seedTokenText))
    }
}
