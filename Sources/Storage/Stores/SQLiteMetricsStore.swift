import Foundation

/// Metric samples in SQLite: raw samples, hourly roll-ups and bucketed history queries.
final class SQLiteMetricsStore: MetricsStore {
    /// A history query may ask for at most this many buckets.
    static let maximumBuckets = 10_000
    private static let hour: Double = 3_600
    private let database: Database

    init(database: Database) {
        self.database = database
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
        // Only whole hours are rolled up, so each hour becomes exactly one row.
        let cutoff = ((now.timeIntervalSince1970 - rawRetention) / Self.hour).rounded(.down) * Self.hour
        let hourlyCutoff = now.timeIntervalSince1970 - hourlyRetention
        return try await database.write { connection in
            let raw = try connection.query(
                "SELECT metric, time, value FROM metric_samples WHERE resolution = 'raw' AND time < ? ORDER BY time",
                cutoff)
            var hours: [HourKey: HourAggregate] = [:]
            for row in raw {
                let key = HourKey(metric: row.string(0), start: (row.double(1) / Self.hour).rounded(.down) * Self.hour)
                hours[key, default: HourAggregate()].add(value: row.double(2))
            }
            for (key, aggregate) in hours {
                try connection.run(
                    """
                    INSERT INTO metric_samples (metric, resolution, time, value, maximum, last)
                    VALUES (?, 'hourly', ?, ?, ?, ?)
                    ON CONFLICT (metric, resolution, time) DO UPDATE SET
                        value = (value + excluded.value) / 2, maximum = max(maximum, excluded.maximum),
                        last = excluded.last
                    """, key.metric, key.start, aggregate.average, aggregate.maximum, aggregate.last)
            }
            try connection.run("DELETE FROM metric_samples WHERE resolution = 'raw' AND time < ?", cutoff)
            let removedRaw = connection.changes
            try connection.run("DELETE FROM metric_samples WHERE resolution = 'hourly' AND time < ?", hourlyCutoff)
            return removedRaw + connection.changes
        }
    }

    func history(metric: MetricKey, kind: MetricKind, from: Date, to: Date, step: TimeInterval) async throws
        -> [MetricPoint]
    {
        guard step > 0, to > from else { throw StorageError.invalidValue("a history needs step > 0 and from < to") }
        let start = from.timeIntervalSince1970
        let bucketCount = Int(((to.timeIntervalSince1970 - start) / step).rounded(.up))
        guard bucketCount <= Self.maximumBuckets else {
            throw StorageError.invalidValue("a history has at most \(Self.maximumBuckets) points; use a larger step")
        }
        let (rows, baseline) = try await database.read { connection in
            let rows = try connection.query(
                "SELECT time, value, maximum, last FROM metric_samples WHERE metric = ? AND time >= ? AND time < ? ORDER BY time",
                metric.name, start, to.timeIntervalSince1970)
            let baseline = try connection.query(
                "SELECT last FROM metric_samples WHERE metric = ? AND time < ? ORDER BY time DESC LIMIT 1",
                metric.name, start
            ).first?.double(0)
            return (rows, baseline)
        }
        var buckets = [[Row]](repeating: [], count: bucketCount)
        for row in rows {
            let index = Int((row.double(0) - start) / step)
            if buckets.indices.contains(index) { buckets[index].append(row) }
        }
        switch kind {
        case .counter:
            // A counter's point is its increase within the bucket: the last total minus the one before the bucket.
            var previous = baseline ?? rows.first?.double(3)
            return buckets.enumerated().map { index, bucket in
                let bucketStart = Date(timeIntervalSince1970: start + Double(index) * step)
                guard let last = bucket.last?.double(3) else {
                    return MetricPoint(start: bucketStart, value: 0, maximum: 0)
                }
                let increase = max(0, last - (previous ?? last))
                previous = last
                return MetricPoint(start: bucketStart, value: increase, maximum: increase)
            }
        case .gauge:
            return buckets.enumerated().compactMap { index, bucket in
                guard !bucket.isEmpty else { return nil }
                let average = bucket.map { $0.double(1) }.reduce(0, +) / Double(bucket.count)
                let maximum = bucket.map { $0.double(2) }.max() ?? average
                return MetricPoint(
                    start: Date(timeIntervalSince1970: start + Double(index) * step), value: average, maximum: maximum)
            }
        }
    }

    private struct HourKey: Hashable {
        let metric: String
        let start: Double
    }

    private struct HourAggregate {
        var sum: Double = 0
        var count = 0
        var maximum = -Double.infinity
        var last: Double = 0

        mutating func add(value: Double) {
            sum += value
            count += 1
            maximum = max(maximum, value)
            last = value  // rows arrive in time order
        }

        var average: Double { count == 0 ? 0 : sum / Double(count) }
    }
}
