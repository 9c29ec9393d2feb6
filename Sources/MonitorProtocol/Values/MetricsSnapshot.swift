/// One metric's current value.
public struct MetricValue: Sendable, Hashable {
    public var metric: MetricID
    public var value: UInt64

    public init(metric: MetricID, value: UInt64) {
        self.metric = metric
        self.value = value
    }
}

/// The v2 answer to "get all metrics": every value at one moment.
public struct MetricsSnapshot: Sendable, Hashable {
    /// When the values were read, Unix seconds (server clock).
    public var time: Int64
    public var values: [MetricValue]

    public init(time: Int64, values: [MetricValue]) {
        self.time = time
        self.values = values
    }

    /// The value of one metric, if the server sent it.
    public subscript(metric: MetricID) -> UInt64? {
        values.first { $0.metric == metric }?.value
    }
}
