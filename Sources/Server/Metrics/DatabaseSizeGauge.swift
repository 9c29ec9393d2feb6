public import Storage

/// Keeps the `database_bytes` gauge current. The store measures on the database's own thread, so no caller blocks.
public struct DatabaseSizeGauge: Sendable {
    private let maintenance: any DatabaseMaintenance
    private let metrics: ServerMetrics

    public init(maintenance: any DatabaseMaintenance, metrics: ServerMetrics) {
        self.maintenance = maintenance
        self.metrics = metrics
    }

    /// Measures the database and sets the gauge. A backend that cannot measure (or a failed measurement) leaves the
    /// last value: a size is no reason to fail a sample or a monitor answer.
    public func refresh() async {
        guard let size = try? await maintenance.sizeInBytes() else { return }
        metrics.set(.databaseBytes, Int64(clamping: size))
    }
}
