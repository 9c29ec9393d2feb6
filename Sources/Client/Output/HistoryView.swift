import MonitorProtocol

/// `pop3ctl history` output: a chart and a table, or JSON.
enum HistoryView {
    static func text(_ series: HistorySeries, chart: BlockChart = BlockChart()) -> String {
        text(series, scope: nil, chart: chart)
    }

    /// A cluster history: which nodes were combined, and how, above the usual chart and table.
    static func clusterText(_ answer: ClusterHistorySeries, chart: BlockChart = BlockChart()) -> String {
        let metric = answer.series.metric
        let how =
            metric.isCounter
            ? "summed" : metric.isSummedAcrossNodes ? "summed (maximum: the sum of the nodes' maxima)" : "the largest"
        var scope = "cluster, asked \(answer.node): \(MetricsView.nodeCount(answer.nodeCount)) with samples"
        if !answer.nodes.isEmpty { scope += " (\(answer.nodes.joined(separator: ", "))" }
        if answer.nodeCount > UInt32(answer.nodes.count) {
            scope += " and \(answer.nodeCount - UInt32(answer.nodes.count)) more"
        }
        if !answer.nodes.isEmpty { scope += ")" }
        if answer.nodeCount > 0 { scope += ", \(how) per step" }
        return text(answer.series, scope: scope, chart: chart)
    }

    private static func text(_ series: HistorySeries, scope: String?, chart: BlockChart) -> String {
        let isCounter = series.metric.isCounter
        let meaning =
            isCounter ? "increase per \(stepText(series.step))" : "average and maximum per \(stepText(series.step))"
        guard let first = series.points.first, let last = series.points.last else {
            return ["\(series.metric.name): no data", scope].compactMap { $0 }.joined(separator: "\n")
        }
        var lines = ["\(series.metric.name), \(meaning)"]
        if let scope { lines.append(scope) }
        lines.append(chart.rendered(series.points.map { isCounter ? $0.value : $0.maximum }))
        lines.append("from \(UTCTime.format(first.start)) to \(UTCTime.format(last.start + series.step))")
        lines.append("")
        var table = TextTable(
            headers: isCounter ? ["START (UTC)", "INCREASE"] : ["START (UTC)", "AVERAGE", "MAXIMUM"],
            alignments: [.left, .right, .right])
        for point in series.points {
            let start = UTCTime.format(point.start)
            let value = NumberText.decimal(point.value)
            table.append(isCounter ? [start, value] : [start, value, NumberText.decimal(point.maximum)])
        }
        lines.append(table.rendered())
        return lines.joined(separator: "\n")
    }

    static func json(_ series: HistorySeries) -> JSONValue {
        .object([
            ("metric", .string(series.metric.name)),
            ("kind", .string(series.metric.isCounter ? "counter" : "gauge")),
            ("step", .integer(series.step)),
            (
                "points",
                .array(
                    series.points.map {
                        .object([
                            ("start", .integer($0.start)), ("value", .number($0.value)),
                            ("maximum", .number($0.maximum)),
                        ])
                    })
            ),
        ])
    }

    static func clusterJSON(_ answer: ClusterHistorySeries) -> JSONValue {
        guard case .object(let members) = json(answer.series) else { return json(answer.series) }
        return .object(
            [
                ("scope", .string("cluster")), ("node", .string(answer.node)),
                ("node_count", .unsigned(UInt64(answer.nodeCount))),
                ("nodes", .array(answer.nodes.map(JSONValue.string))),
            ] + members)
    }

    /// "1h", "10m", "90s": the step in its largest whole unit.
    static func stepText(_ step: Int64) -> String {
        for (size, unit) in [(Int64(604_800), "w"), (86_400, "d"), (3_600, "h"), (60, "m")]
        where step >= size && step % size == 0 {
            return "\(step / size)\(unit)"
        }
        return "\(step)s"
    }
}
