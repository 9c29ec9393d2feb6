import Foundation
import PostgresNIO
import Storage

/// Metric samples of this node in PostgreSQL, and the other nodes' for cluster answers; the arithmetic is
/// `MetricHistory`'s, shared with SQLite.
final class PostgresMetricsStore: MetricsStore {
    private let pool: PostgresPool
    let node: String

    init(pool: PostgresPool, node: String) {
        self.pool = pool
        self.node = node
    }

    func appendSamples(_ samples: [MetricSample]) async throws {
        guard !samples.isEmpty else { return }
        // One row per metric and time: PostgreSQL refuses an upsert that would touch a row twice (and with it the
        // whole batch); the last sample wins, as with SQLite's INSERT OR REPLACE.
        var latest: [String: [Double: Double]] = [:]
        for sample in samples {
            latest[sample.metric.name, default: [:]][sample.time.timeIntervalSince1970] = sample.value
        }
        let rows = latest.flatMap { metric, values in values.map { (metric: metric, time: $0.key, value: $0.value) } }
        let metrics = rows.map(\.metric)
        let times = rows.map(\.time)
        let values = rows.map(\.value)
        try await pool.rows(
            """
            INSERT INTO metric_samples (node, metric, resolution, time, value, maximum, last)
            SELECT \(node), metric, 'raw', time, value, value, value
            FROM unnest(\(metrics)::text[], \(times)::float8[], \(values)::float8[]) AS batch (metric, time, value)
            ON CONFLICT (node, metric, resolution, time) DO UPDATE
                SET value = excluded.value, maximum = excluded.maximum, last = excluded.last
            """)
    }

    func latestValues() async throws -> [MetricKey: Double] {
        var values: [MetricKey: Double] = [:]
        for row in try await pool.rows(
            """
            SELECT DISTINCT ON (metric) metric, last FROM metric_samples WHERE node = \(node)
            ORDER BY metric, time DESC, last DESC
            """)
        {
            let (metric, last) = try row.decode((String, Double).self)
            values[MetricKey(metric)] = last
        }
        return values
    }

    func latestValuesByNode(metrics: [MetricKey]) async throws -> [NodeMetricValues] {
        let nodes = try await nodesWithSamples()
        guard !nodes.isEmpty, !metrics.isEmpty else { return [] }
        let rows = try await pool.rows(
            """
            SELECT n.node, wanted.metric, newest.time, newest.last
            FROM unnest(\(nodes)::text[]) AS n (node)
            CROSS JOIN unnest(\(metrics.map(\.name))::text[]) AS wanted (metric)
            CROSS JOIN LATERAL (
                SELECT s.time, s.last FROM metric_samples AS s WHERE s.node = n.node AND s.metric = wanted.metric
                ORDER BY s.time DESC, s.last DESC LIMIT 1
            ) AS newest
            """)
        var byNode: [String: NodeMetricValues] = [:]
        for row in rows {
            let (node, metric, time, last) = try row.decode((String, String, Double, Double).self)
            let sampled = Date(timeIntervalSince1970: time)
            var entry = byNode[node] ?? NodeMetricValues(node: node, newestSample: sampled, values: [:])
            entry.values[MetricKey(metric)] = last
            entry.newestSample = max(entry.newestSample, sampled)
            byNode[node] = entry
        }
        return Array(byNode.values)
    }

    func historyByNode(metric: MetricKey, kind: MetricKind, from: Date, to: Date, step: TimeInterval) async throws
        -> [NodeMetricHistory]
    {
        let start = from.timeIntervalSince1970
        let end = to.timeIntervalSince1970
        let bucketCount = try MetricHistory.bucketCount(from: start, to: end, step: step)
        let nodes = try await nodesWithSamples()
        guard !nodes.isEmpty else { return [] }
        var rowsByNode: [String: [MetricHistory.StoredRow]] = [:]
        for row in try await pool.rows(
            """
            SELECT node, time, value, maximum, last FROM metric_samples
            WHERE node = ANY(\(nodes)::text[]) AND metric = \(metric.name) AND time >= \(start) AND time < \(end)
            ORDER BY node, time
            """)
        {
            let (node, time, value, maximum, last) = try row.decode((String, Double, Double, Double, Double).self)
            rowsByNode[node, default: []].append(
                MetricHistory.StoredRow(time: time, value: value, maximum: maximum, last: last))
        }
        guard !rowsByNode.isEmpty else { return [] }
        var baselines: [String: Double] = [:]
        for row in try await pool.rows(
            """
            SELECT n.node, before.last FROM unnest(\(Array(rowsByNode.keys))::text[]) AS n (node) CROSS JOIN LATERAL (
                SELECT s.last FROM metric_samples AS s
                WHERE s.node = n.node AND s.metric = \(metric.name) AND s.time < \(start)
                ORDER BY s.time DESC LIMIT 1
            ) AS before
            """)
        {
            let (node, last) = try row.decode((String, Double).self)
            baselines[node] = last
        }
        return rowsByNode.keys.sorted().map { node in
            NodeMetricHistory(
                node: node,
                points: MetricHistory.points(
                    rowsByNode[node] ?? [], baseline: baselines[node], kind: kind, start: start, step: step,
                    bucketCount: bucketCount))
        }
    }

    /// Every node with samples, found by one index probe per node (a loose index scan): a plain `DISTINCT node` would
    /// read every row, about a million per node and week of raw samples. The queries that follow name the nodes, so
    /// the planner knows how many there are (with the recursive query inside them it guessed a hundred times too many
    /// and spent 200 ms compiling them with JIT).
    private func nodesWithSamples() async throws -> [String] {
        try await pool.rows(
            """
            WITH RECURSIVE nodes (node) AS (
                (SELECT node FROM metric_samples ORDER BY node LIMIT 1)
                UNION ALL
                SELECT (SELECT m.node FROM metric_samples AS m WHERE m.node > nodes.node ORDER BY m.node LIMIT 1)
                FROM nodes WHERE nodes.node IS NOT NULL
            )
            SELECT node FROM nodes WHERE node IS NOT NULL
            """
        ).map { try $0.decode(String.self) }
    }

    func rollUp(now: Date, rawRetention: TimeInterval, hourlyRetention: TimeInterval) async throws -> Int {
        let cutoff = MetricHistory.cutoffs(
            now: now.timeIntervalSince1970, rawRetention: rawRetention, hourlyRetention: hourlyRetention)
        return try await pool.transaction { [node] transaction in
            let raw = try await transaction.rows(
                """
                SELECT metric, time, value FROM metric_samples
                WHERE node = \(node) AND resolution = 'raw' AND time < \(cutoff.raw) ORDER BY time
                """
            ).map { try $0.decode((String, Double, Double).self) }
            let hours = MetricHistory.hourly(raw.map { (metric: $0.0, time: $0.1, value: $0.2) })
            if !hours.isEmpty {
                _ = try await transaction.rows(
                    """
                    INSERT INTO metric_samples AS stored (node, metric, resolution, time, value, maximum, last)
                    SELECT \(node), metric, 'hourly', start, average, maximum, last
                    FROM unnest(\(hours.map(\.metric))::text[], \(hours.map(\.start))::float8[],
                                \(hours.map(\.average))::float8[], \(hours.map(\.maximum))::float8[],
                                \(hours.map(\.last))::float8[]) AS batch (metric, start, average, maximum, last)
                    ON CONFLICT (node, metric, resolution, time) DO UPDATE SET
                        value = (stored.value + excluded.value) / 2,
                        maximum = greatest(stored.maximum, excluded.maximum), last = excluded.last
                    """)
            }
            let removedRaw = try await transaction.rows(
                """
                DELETE FROM metric_samples WHERE node = \(node) AND resolution = 'raw' AND time < \(cutoff.raw)
                RETURNING 1
                """
            ).count
            let removedHourly = try await transaction.rows(
                """
                DELETE FROM metric_samples WHERE node = \(node) AND resolution = 'hourly' AND time < \(cutoff.hourly)
                RETURNING 1
                """
            ).count
            return removedRaw + removedHourly
        }
    }

    func history(metric: MetricKey, kind: MetricKind, from: Date, to: Date, step: TimeInterval) async throws
        -> [MetricPoint]
    {
        let start = from.timeIntervalSince1970
        let end = to.timeIntervalSince1970
        let bucketCount = try MetricHistory.bucketCount(from: start, to: end, step: step)
        let rows = try await pool.rows(
            """
            SELECT time, value, maximum, last FROM metric_samples
            WHERE node = \(node) AND metric = \(metric.name) AND time >= \(start) AND time < \(end) ORDER BY time
            """
        ).map {
            let (time, value, maximum, last) = try $0.decode((Double, Double, Double, Double).self)
            return MetricHistory.StoredRow(time: time, value: value, maximum: maximum, last: last)
        }
        let baseline = try await pool.rows(
            """
            SELECT last FROM metric_samples WHERE node = \(node) AND metric = \(metric.name) AND time < \(start)
            ORDER BY time DESC LIMIT 1
            """
        ).first?.decode(Double.self)
        return MetricHistory.points(
            rows, baseline: baseline, kind: kind, start: start, step: step, bucketCount: bucketCount)
    }
}
