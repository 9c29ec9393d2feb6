import MonitorProtocol

/// `pop3ctl stats` output: a table of every metric, or JSON.
enum MetricsView {
    static func table(_ snapshot: MetricsSnapshot) -> String {
        var table = TextTable(headers: ["METRIC", "KIND", "VALUE", ""], alignments: [.left, .left, .right, .left])
        for value in snapshot.values {
            table.append([
                value.metric.name, value.metric.isCounter ? "counter" : "gauge", String(value.value),
                readable(value),
            ])
        }
        return "metrics at \(UTCTime.format(snapshot.time))\n" + table.rendered()
    }

    static func json(_ snapshot: MetricsSnapshot) -> JSONValue {
        .object([
            ("time", .integer(snapshot.time)),
            ("metrics", .object(snapshot.values.map { ($0.metric.name, .unsigned($0.value)) })),
        ])
    }

    /// A second spelling for values people read better in units.
    private static func readable(_ value: MetricValue) -> String {
        switch value.metric {
        case .bytesIn, .bytesOut, .databaseBytes: NumberText.bytes(value.value)
        case .uptimeSeconds: NumberText.duration(seconds: value.value)
        default: ""
        }
    }
}
