public import Foundation
public import MonitorProtocol
public import Storage

/// The cluster's metrics from each node's own: what `pop3ctl stats --cluster` and `history --cluster` show. Pure
/// arithmetic over what the stores return, so every rule is unit-tested.
public enum ClusterMetrics {
    /// A node whose newest sample is older than this many of the answering node's sampling intervals is taken for
    /// dead: its gauges no longer count.
    public static let staleIntervals = 3.0
    /// ... and never less than this, so that a sample written a little late on a busy node does not drop it.
    public static let minimumStaleAge: TimeInterval = 5

    /// How old a node's newest sample may be for its gauges to count.
    public static func staleAge(sampleInterval: Duration) -> TimeInterval {
        max(minimumStaleAge, staleIntervals * sampleInterval.timeInterval)
    }

    /// Every metric over all nodes. `live` are the answering node's values now (they replace its stored ones);
    /// `stored` each node's newest stored values. A counter is the sum of every node's total, dead ones included (what
    /// they counted stays counted). A gauge combines the nodes whose newest sample is at most `staleAge` old (the
    /// answering node always counts): summed, or the largest where a sum means nothing (`isSummedAcrossNodes`).
    public static func snapshot(
        node: String, live: [MetricValue], stored: [NodeMetricValues], now: Date, staleAge: TimeInterval
    ) -> ClusterMetricsSnapshot {
        let time = UnixTime.seconds(now)
        var nodes = [ClusterNode(name: node, newestSample: time, gaugesCounted: true)]
        var others: [(node: ClusterNode, values: [MetricKey: Double])] = []
        for entry in stored where entry.node != node {
            let fresh = now.timeIntervalSince(entry.newestSample) <= staleAge
            let listed = ClusterNode(
                name: entry.node, newestSample: UnixTime.seconds(entry.newestSample), gaugesCounted: fresh)
            others.append((listed, entry.values))
        }
        // Newest first, so a list cut to the protocol's limit drops the nodes dead the longest.
        others.sort {
            $0.node.newestSample != $1.node.newestSample
                ? $0.node.newestSample > $1.node.newestSample : $0.node.name < $1.node.name
        }
        nodes += others.map(\.node)
        let values = live.map { value in
            let metric = value.metric
            let counted = others.filter { metric.isCounter || $0.node.gaugesCounted }
                .map { storedValue($0.values[MetricKey(metric.name)]) }
            let combined =
                metric.isSummedAcrossNodes
                ? counted.reduce(value.value) { total, next in
                    let (sum, overflow) = total.addingReportingOverflow(next)
                    return overflow ? .max : sum
                }
                : counted.reduce(value.value, max)
            return MetricValue(metric: metric, value: combined)
        }
        return ClusterMetricsSnapshot(
            node: node, nodeCount: UInt32(clamping: nodes.count), nodes: nodes,
            metrics: MetricsSnapshot(time: time, values: values))
    }

    /// A history over all nodes with samples in the range, bucket by bucket: a counter's increases are summed; a
    /// gauge's averages and maxima are summed (the maximum is then an upper bound: the nodes' peaks need not coincide)
    /// or, where a sum means nothing, the largest taken. A bucket counts the nodes that have points in it.
    public static func history(node: String, query: HistoryQuery, perNode: [NodeMetricHistory]) -> ClusterHistorySeries
    {
        let summed = query.metric.isSummedAcrossNodes
        var buckets: [Int64: (value: Double, maximum: Double)] = [:]
        for nodeHistory in perNode {
            for point in nodeHistory.points {
                let start = UnixTime.seconds(point.start)
                let value = point.value.isFinite ? point.value : 0
                let maximum = point.maximum.isFinite ? point.maximum : 0
                if let sum = buckets[start] {
                    buckets[start] =
                        summed
                        ? (sum.value + value, sum.maximum + maximum)
                        : (max(sum.value, value), max(sum.maximum, maximum))
                } else {
                    buckets[start] = (value, maximum)
                }
            }
        }
        let points = buckets.keys.sorted().map { start in
            HistoryPoint(start: start, value: buckets[start]?.value ?? 0, maximum: buckets[start]?.maximum ?? 0)
        }
        let names = perNode.map(\.node).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        return ClusterHistorySeries(
            node: node, nodeCount: UInt32(clamping: names.count), nodes: names,
            series: HistorySeries(metric: query.metric, step: query.step, points: points))
    }

    /// A stored value as the wire carries it: a whole, non-negative number.
    private static func storedValue(_ value: Double?) -> UInt64 {
        guard let value, value.isFinite, value > 0 else { return 0 }
        return value >= 1.8e19 ? .max : UInt64(value)
    }
}
