/// A v2 history query: one metric over [from, to) in buckets of `step` seconds. Times are Unix seconds.
public struct HistoryQuery: Sendable, Hashable {
    public var metric: MetricID
    public var from: Int64
    public var to: Int64
    public var step: Int64

    public init(metric: MetricID, from: Int64, to: Int64, step: Int64) {
        self.metric = metric
        self.from = from
        self.to = to
        self.step = step
    }

    /// Buckets the query spans (at most Int.max), or nil when from ≥ to or step < 1.
    public var pointCount: Int? {
        guard step >= 1, from < to else { return nil }
        // With from < to the true span fits in UInt64 even when Int64 subtraction would overflow.
        let span = UInt64(bitPattern: to &- from)
        let (quotient, remainder) = span.quotientAndRemainder(dividingBy: UInt64(step))
        let count = remainder == 0 ? quotient : quotient + 1
        return count > UInt64(Int.max) ? Int.max : Int(count)
    }

    /// The status a server answers for this query before running it, or nil when it is acceptable.
    public var problem: MonitorStatus? {
        guard let count = pointCount else { return .badData }
        return count > MonitorLimits.maxHistoryPoints ? .tooLarge : nil
    }
}
