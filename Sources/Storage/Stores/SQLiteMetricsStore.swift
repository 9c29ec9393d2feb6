import Foundation

/// Metric samples in SQLite: raw samples, hourly roll-ups and bucketed history queries.
final class SQLiteMetricsStore: MetricsStore {
    private let database: Database
    /// The one server's name: the file has no node column, since one process owns it.
    let node: String

    init(database: Database, node: String) {
        self.database = database
        self.node = node
    }

    func appendSamples(_ samples: [MetricSample]) async throws {
        guard !samples.isEmpty else { return }
        try await database.write { connection in
            for sample in samples {
                try connection.run(
                    """
                    INSERT OR REPLACE INTO metric_samples (metric, resolution, time, value, maximum, last)
                    VALUES (?, 'raw', ?, ?, ?, ?)
                    """, sample.metric.name, sample.time.timeIntervalSince1970, sample.value, sample.value, sample.value
                )
            }
        }
    }

    func latestValues() async throws -> [MetricKey: Double] {
        try await database.read { connection in
            let rows = try connection.query(
                """
                SELECT metric, last FROM metric_samples AS m
                WHERE time = (SELECT max(time) FROM metric_samples WHERE metric = m.metric)
                """)
            return Dictionary(rows.map { (MetricKey($0.string(0)), $0.double(1)) }, uniquingKeysWith: max)
        }
    }

    func rollUp(now: Date, rawRetention: TimeInterval, hourlyRetention: TimeInterval) async throws -> Int {
        let cutoff = MetricHistory.cutoffs(
            now: now.timeIntervalSince1970, rawRetention: rawRetention, hourlyRetention: hourlyRetention)
        return try await database.write { connection in
            let raw = try connection.query(
                "SELECT metric, time, value FROM metric_samples WHERE resolution = 'raw' AND time < ? ORDER BY time",
                cutoff.raw)
            for hour in MetricHistory.hourly(raw.map { ($0.string(0), $0.double(1), $0.double(2)) }) {
                try connection.run(
                    """
                    INSERT INTO metric_samples (metric, resolution, time, value, maximum, last)
                    VALUES (?, 'hourly', ?, ?, ?, ?)
                    ON CONFLICT (metric, resolution, time) DO UPDATE SET
                        value = (value + excluded.value) / 2, maximum = max(maximum, excluded.maximum),
                        last = excluded.last
                    """, hour.metric, hour.start, hour.average, hour.maximum, hour.last)
            }
            try connection.run("DELETE FROM metric_samples WHERE resolution = 'raw' AND time < ?", cutoff.raw)
            let removedRaw = connection.changes
            try connection.run("DELETE FROM metric_samples WHERE resolution = 'hourly' AND time < ?", cutoff.hourly)
            return removedRaw + connection.changes
        }
    }

    func latestValuesByNode(metrics: [MetricKey]) async throws -> [NodeMetricValues] {
        let newest = try await database.read { connection in
            try metrics.compactMap { metric in
                try connection.query(
                    "SELECT time, last FROM metric_samples WHERE metric = ? ORDER BY time DESC, last DESC LIMIT 1",
                    metric.name
                ).first.map { (metric: metric, time: $0.double(0), last: $0.double(1)) }
            }
        }
        guard let time = newest.map(\.time).max() else { return [] }
        return [
            NodeMetricValues(
                node: node, newestSample: Date(timeIntervalSince1970: time),
                values: Dictionary(newest.map { ($0.metric, $0.last) }, uniquingKeysWith: max))
        ]
    }

    func historyByNode(metric: MetricKey, kind: MetricKind, from: Date, to: Date, step: TimeInterval) async throws
        -> [NodeMetricHistory]
    {
        let start = from.timeIntervalSince1970
        let bucketCount = try MetricHistory.bucketCount(from: start, to: to.timeIntervalSince1970, step: step)
        let (rows, baseline) = try await rowsAndBaseline(metric: metric, from: start, to: to.timeIntervalSince1970)
        guard !rows.isEmpty else { return [] }
        let points = MetricHistory.points(
            rows, baseline: baseline, kind: kind, start: start, step: step, bucketCount: bucketCount)
        return [NodeMetricHistory(node: node, points: points)]
    }

    func history(metric: MetricKey, kind: MetricKind, from: Date, to: Date, step: TimeInterval) async throws
        -> [MetricPoint]
    {
        let start = from.timeIntervalSince1970
        let bucketCount = try MetricHistory.bucketCount(from: start, to: to.timeIntervalSince1970, step: step)
        let (rows, baseline) = try await rowsAndBaseline(metric: metric, from: start, to: to.timeIntervalSince1970)
        return MetricHistory.points(
            rows, baseline: baseline, kind: kind, start: start, step: step, bucketCount: bucketCount)
    }

    /// The metric's rows in [start, end) in time order, and its newest total before `start`.
    private func rowsAndBaseline(metric: MetricKey, from start: Double, to end: Double) async throws
        -> ([MetricHistory.StoredRow], Double?)
    {
        try await database.read { connection in
            let rows = try connection.query(
                "SELECT time, value, maximum, last FROM metric_samples WHERE metric = ? AND time >= ? AND time < ? ORDER BY time",
                metric.name, start, end
            ).map {
                MetricHistory.StoredRow(
                    time: $0.double(0), value: $0.double(1), maximum: $0.double(2), last: $0.double(3))
            }
            let baseline = try connection.query(
                "SELECT last FROM metric_samples WHERE metric = ? AND time < ? ORDER BY time DESC LIMIT 1",
                metric.name, start
            ).first?.double(0)
            return (rows, baseline)
        }
    }
}
