import Foundation

/// The arithmetic of metric history shared by every backend: roll-up cut-offs, hourly aggregates and the buckets of
/// a history query. The backends only fetch and store rows.
public enum MetricHistory {
    /// A history query may ask for at most this many buckets.
    public static let maximumBuckets = 10_000
    static let hour: Double = 3_600

    /// One stored row of one metric, raw or hourly.
    public struct StoredRow: Sendable {
        public var time: Double
        public var value: Double
        public var maximum: Double
        public var last: Double
        public init(time: Double, value: Double, maximum: Double, last: Double) {
            self.time = time
            self.value = value
            self.maximum = maximum
            self.last = last
        }
    }

    /// One hour of one metric's raw rows, rolled up.
    public struct HourlyRow: Sendable {
        public var metric: String
        public var start: Double
        public var average: Double
        public var maximum: Double
        public var last: Double
    }

    /// Raw rows before `raw` become hourly rows; hourly rows before `hourly` are removed. Only whole hours are
    /// rolled up, so each hour becomes exactly one row.
    public static func cutoffs(now: Double, rawRetention: Double, hourlyRetention: Double)
        -> (raw: Double, hourly: Double)
    {
        (((now - rawRetention) / hour).rounded(.down) * hour, now - hourlyRetention)
    }

    /// The hourly rows of raw samples (metric, time, value), given in time order.
    public static func hourly(_ raw: [(metric: String, time: Double, value: Double)]) -> [HourlyRow] {
        var hours: [HourKey: HourAggregate] = [:]
        for row in raw {
            hours[HourKey(metric: row.metric, start: (row.time / hour).rounded(.down) * hour), default: .init()]
                .add(value: row.value)
        }
        return hours.map { key, aggregate in
            HourlyRow(
                metric: key.metric, start: key.start, average: aggregate.average, maximum: aggregate.maximum,
                last: aggregate.last)
        }
    }

    /// How many buckets of `step` seconds cover [from, to); throws for an empty or too fine a range.
    public static func bucketCount(from: Double, to: Double, step: Double) throws -> Int {
        guard step > 0, to > from else { throw StorageError.invalidValue("a history needs step > 0 and from < to") }
        let count = Int(((to - from) / step).rounded(.up))
        guard count <= maximumBuckets else {
            throw StorageError.invalidValue("a history has at most \(maximumBuckets) points; use a larger step")
        }
        return count
    }

    /// The points of a history query: `rows` are the metric's rows in [start, start + count × step) in time order,
    /// `baseline` the newest total before `start` (counters only).
    public static func points(
        _ rows: [StoredRow], baseline: Double?, kind: MetricKind, start: Double, step: Double, bucketCount: Int
    ) -> [MetricPoint] {
        var buckets = [[StoredRow]](repeating: [], count: bucketCount)
        for row in rows {
            let index = Int((row.time - start) / step)
            if buckets.indices.contains(index) { buckets[index].append(row) }
        }
        switch kind {
        case .counter:
            // A counter's point is its increase within the bucket: the last total minus the one before the bucket.
            var previous = baseline ?? rows.first?.last
            return buckets.enumerated().map { index, bucket in
                let bucketStart = Date(timeIntervalSince1970: start + Double(index) * step)
                guard let last = bucket.last?.last else {
                    return MetricPoint(start: bucketStart, value: 0, maximum: 0)
                }
                let increase = max(0, last - (previous ?? last))
                previous = last
                return MetricPoint(start: bucketStart, value: increase, maximum: increase)
            }
        case .gauge:
            return buckets.enumerated().compactMap { index, bucket in
                guard !bucket.isEmpty else { return nil }
                let average = bucket.map(\.value).reduce(0, +) / Double(bucket.count)
                let maximum = bucket.map(\.maximum).max() ?? average
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
