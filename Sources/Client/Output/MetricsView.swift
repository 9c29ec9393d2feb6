import MonitorProtocol

/// `pop3ctl stats` output: a table of every metric, or JSON; with `--cluster`, the nodes covered above it.
enum MetricsView {
    static func table(_ snapshot: MetricsSnapshot) -> String {
        "metrics at \(UTCTime.format(snapshot.time))\n" + valuesTable(snapshot)
    }

    static func json(_ snapshot: MetricsSnapshot) -> JSONValue {
        .object([
            ("time", .integer(snapshot.time)),
            ("metrics", .object(snapshot.values.map { ($0.metric.name, .unsigned($0.value)) })),
        ])
    }

    /// The nodes covered, then the combined values; a node whose gauges were left out says for how long it has been
    /// silent, so an operator sees a dead or missing node.
    static func clusterTable(_ answer: ClusterMetricsSnapshot) -> String {
        let time = answer.metrics.time
        var lines = ["cluster metrics at \(UTCTime.format(time)), asked \(answer.node): \(nodeCount(answer.nodeCount))"]
        if answer.nodeCount == 1 {
            lines[0] += " (no other node writes samples to its database)"
        }
        var nodes = TextTable(headers: ["NODE", "NEWEST SAMPLE", "GAUGES"], alignments: [.left, .left, .left])
        for node in answer.nodes {
            let isAnswering = node.name == answer.node
            let silent = time > node.newestSample ? UInt64(time - node.newestSample) : 0
            nodes.append([
                node.name, isAnswering ? "live (answering)" : UTCTime.format(node.newestSample),
                node.gaugesCounted
                    ? "counted" : "left out: no sample for \(NumberText.duration(seconds: silent))",
            ])
        }
        lines.append(nodes.rendered())
        if answer.nodeCount > UInt32(answer.nodes.count) {
            lines.append(
                "(\(answer.nodeCount - UInt32(answer.nodes.count)) more nodes, silent the longest, not listed)")
        }
        lines.append("")
        lines.append(valuesTable(answer.metrics))
        return lines.joined(separator: "\n")
    }

    static func clusterJSON(_ answer: ClusterMetricsSnapshot) -> JSONValue {
        .object([
            ("scope", .string("cluster")),
            ("node", .string(answer.node)),
            ("node_count", .unsigned(UInt64(answer.nodeCount))),
            (
                "nodes",
                .array(
                    answer.nodes.map {
                        .object([
                            ("name", .string($0.name)), ("newest_sample", .integer($0.newestSample)),
                            ("gauges_counted", .bool($0.gaugesCounted)),
                        ])
                    })
            ),
            ("time", .integer(answer.metrics.time)),
            ("metrics", .object(answer.metrics.values.map { ($0.metric.name, .unsigned($0.value)) })),
        ])
    }

    /// "1 node", "3 nodes".
    static func nodeCount(_ count: UInt32) -> String {
        count == 1 ? "1 node" : "\(count) nodes"
    }

    private static func valuesTable(_ snapshot: MetricsSnapshot) -> String {
        var table = TextTable(headers: ["METRIC", "KIND", "VALUE", ""], alignments: [.left, .left, .right, .left])
        for value in snapshot.values {
            table.append([
                value.metric.name, value.metric.isCounter ? "counter" : "gauge", String(value.value),
                readable(value),
            ])
        }
        return table.rendered()
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
