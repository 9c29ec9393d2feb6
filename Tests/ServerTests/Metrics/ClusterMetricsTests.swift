import Foundation
import MonitorProtocol
import Storage
import Testing

@testable import Server

/// How the cluster's values are made of the nodes': live values for the answering node, stored ones for the others,
/// counters of every node, gauges of the live ones only.
@Suite struct ClusterMetricsTests {
    static let now = Date(timeIntervalSince1970: 1_764_216_000)

    static func live(_ values: [MetricID: UInt64]) -> [MetricValue] {
        MetricID.allCases.map { MetricValue(metric: $0, value: values[$0] ?? 0) }
    }

    static func stored(_ node: String, secondsAgo: Double, _ values: [MetricID: Double]) -> NodeMetricValues {
        NodeMetricValues(
            node: node, newestSample: now.addingTimeInterval(-secondsAgo),
            values: Dictionary(uniqueKeysWithValues: values.map { (MetricKey($0.key.name), $0.value) }))
    }

    @Test func theStaleAgeIsThreeIntervalsAndAtLeastFiveSeconds() {
        #expect(ClusterMetrics.staleAge(sampleInterval: .seconds(10)) == 30)
        #expect(ClusterMetrics.staleAge(sampleInterval: .seconds(1)) == 5)
        #expect(ClusterMetrics.staleAge(sampleInterval: .milliseconds(200)) == 5)
    }

    @Test func countersAddEveryNodesTotalAndGaugesOnlyTheLiveNodes() {
        let answer = ClusterMetrics.snapshot(
            node: "a",
            live: Self.live([.connectionsTotal: 10, .connectionsCurrent: 1, .uptimeSeconds: 50, .databaseBytes: 4_096]),
            stored: [
                // The answering node's own samples are replaced by its live values.
                Self.stored("a", secondsAgo: 3, [.connectionsTotal: 9, .connectionsCurrent: 7]),
                Self.stored(
                    "b", secondsAgo: 29,
                    [.connectionsTotal: 20, .connectionsCurrent: 2, .uptimeSeconds: 900, .databaseBytes: 4_000]),
                // Dead for an hour: its total still counts, its last open connections do not.
                Self.stored(
                    "c", secondsAgo: 3_600, [.connectionsTotal: 300, .connectionsCurrent: 30, .uptimeSeconds: 99_999]),
            ], now: Self.now, staleAge: 30)
        #expect(answer.node == "a")
        #expect(answer.nodeCount == 3)
        #expect(
            answer.nodes == [
                ClusterNode(name: "a", newestSample: 1_764_216_000, gaugesCounted: true),
                ClusterNode(name: "b", newestSample: 1_764_215_971, gaugesCounted: true),
                ClusterNode(name: "c", newestSample: 1_764_212_400, gaugesCounted: false),
            ])
        #expect(answer.metrics.time == 1_764_216_000)
        #expect(answer.metrics[.connectionsTotal] == 330)
        #expect(answer.metrics[.connectionsCurrent] == 3)
        // Not summed: the longest uptime and the largest database size among the live nodes.
        #expect(answer.metrics[.uptimeSeconds] == 900)
        #expect(answer.metrics[.databaseBytes] == 4_096)
        #expect(answer.metrics.values.map(\.metric) == MetricID.allCases)
    }

    @Test func theAnsweringNodeCountsWithoutAnySampleOfItsOwn() {
        let answer = ClusterMetrics.snapshot(
            node: "new", live: Self.live([.connectionsTotal: 1, .connectionsCurrent: 1]),
            stored: [Self.stored("old", secondsAgo: 31, [.connectionsTotal: 5, .connectionsCurrent: 4])],
            now: Self.now, staleAge: 30)
        #expect(answer.nodes.map(\.name) == ["new", "old"])
        #expect(answer.nodes.map(\.gaugesCounted) == [true, false])
        #expect(answer.metrics[.connectionsTotal] == 6)
        #expect(answer.metrics[.connectionsCurrent] == 1)
    }

    @Test func nodesAreListedNewestFirstThenByName() {
        let answer = ClusterMetrics.snapshot(
            node: "m", live: Self.live([:]),
            stored: [
                Self.stored("z", secondsAgo: 1, [:]), Self.stored("b", secondsAgo: 100, [:]),
                Self.stored("a", secondsAgo: 100, [:]), Self.stored("y", secondsAgo: 1, [:]),
            ], now: Self.now, staleAge: 30)
        #expect(answer.nodes.map(\.name) == ["m", "y", "z", "a", "b"])
    }

    @Test func storedValuesThatAreNotWholeOrHugeAreBounded() {
        let answer = ClusterMetrics.snapshot(
            node: "a", live: Self.live([.bytesOut: UInt64.max - 1]),
            stored: [
                Self.stored("b", secondsAgo: 0, [.bytesOut: 10, .bytesIn: -.infinity, .loginsOK: .nan]),
                Self.stored("c", secondsAgo: 0, [.bytesIn: 1e30, .loginsOK: 2.9]),
            ], now: Self.now, staleAge: 30)
        #expect(answer.metrics[.bytesOut] == UInt64.max)
        #expect(answer.metrics[.bytesIn] == UInt64.max)
        #expect(answer.metrics[.loginsOK] == 2)
    }

    static func points(_ values: [(Int64, Double, Double)]) -> [MetricPoint] {
        values.map { MetricPoint(start: Date(timeIntervalSince1970: Double($0.0)), value: $0.1, maximum: $0.2) }
    }

    @Test func historySumsEachBucketOverTheNodesWithPointsInIt() {
        let query = HistoryQuery(metric: .connectionsCurrent, from: 0, to: 180, step: 60)
        let answer = ClusterMetrics.history(
            node: "b", query: query,
            perNode: [
                NodeMetricHistory(node: "b", points: Self.points([(0, 1, 2), (60, 2, 3)])),
                NodeMetricHistory(node: "a", points: Self.points([(60, 0.5, 1), (120, 4, 4)])),
            ])
        #expect(answer.node == "b")
        #expect(answer.nodes == ["a", "b"])
        #expect(answer.nodeCount == 2)
        #expect(answer.series.metric == .connectionsCurrent)
        #expect(answer.series.step == 60)
        #expect(
            answer.series.points == [
                HistoryPoint(start: 0, value: 1, maximum: 2), HistoryPoint(start: 60, value: 2.5, maximum: 4),
                HistoryPoint(start: 120, value: 4, maximum: 4),
            ])
    }

    @Test func historyOfACounterSumsIncreasesAndOfALagTakesTheLargest() {
        let counter = ClusterMetrics.history(
            node: "a", query: HistoryQuery(metric: .loginsOK, from: 0, to: 120, step: 60),
            perNode: [
                NodeMetricHistory(node: "a", points: Self.points([(0, 3, 3), (60, 0, 0)])),
                NodeMetricHistory(node: "b", points: Self.points([(0, 4, 4), (60, 1, 1)])),
            ])
        #expect(counter.series.points.map(\.value) == [7, 1])
        #expect(counter.series.points.map(\.maximum) == [7, 1])
        let lag = ClusterMetrics.history(
            node: "a", query: HistoryQuery(metric: .eventLoopLagMaxMilliseconds, from: 0, to: 60, step: 60),
            perNode: [
                NodeMetricHistory(node: "a", points: Self.points([(0, 3, 150)])),
                NodeMetricHistory(node: "b", points: Self.points([(0, 4, 20)])),
            ])
        #expect(lag.series.points == [HistoryPoint(start: 0, value: 4, maximum: 150)])
    }

    @Test func historyWithoutNodesIsEmpty() {
        let answer = ClusterMetrics.history(
            node: "a", query: HistoryQuery(metric: .bytesIn, from: 0, to: 60, step: 60), perNode: [])
        #expect(answer.nodes.isEmpty && answer.nodeCount == 0 && answer.series.points.isEmpty)
    }
}
