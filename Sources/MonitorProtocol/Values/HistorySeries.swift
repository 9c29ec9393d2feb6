/// One bucket of a history answer. For a counter `value` is the increase within the bucket and `maximum`
/// equals it; for a gauge `value` is the average and `maximum` the maximum.
public struct HistoryPoint: Sendable, Hashable {
    /// Start of the bucket, Unix seconds.
    public var start: Int64
    public var value: Double
    public var maximum: Double

    public init(start: Int64, value: Double, maximum: Double) {
        self.start = start
        self.value = value
        self.maximum = maximum
    }
}

/// A v2 history answer: the points of one metric, oldest first.
public struct HistorySeries: Sendable, Hashable {
    public var metric: MetricID
    public var step: Int64
    public var points: [HistoryPoint]

    public init(metric: MetricID, step: Int64, points: [HistoryPoint]) {
        self.metric = metric
        self.step = step
        self.points = points
    }
}
