public import Storage

/// Keeps the `database_bytes` gauge, and the deletion journal's rows by state, current. The store measures on the
/// database's own thread, so no caller blocks.
public struct DatabaseSizeGauge: Sendable {
    private let maintenance: any DatabaseMaintenance
    private let metrics: ServerMetrics
    private let journal: (any DeletionJournal)?

    public init(maintenance: any DatabaseMaintenance, metrics: ServerMetrics, journal: (any DeletionJournal)? = nil) {
        self.maintenance = maintenance
        self.metrics = metrics
        self.journal = journal
    }

    /// Measures the database and sets the gauges. A backend that cannot measure (or a failed measurement) leaves the
    /// last value: a size is no reason to fail a sample or a monitor answer.
    public func refresh() async {
        if let journal, let counts = try? await journal.countsByState() {
            metrics.detail.journalPending.store(Int64(counts[.pending] ?? 0), ordering: .relaxed)
            metrics.detail.journalCommitting.store(Int64(counts[.committing] ?? 0), ordering: .relaxed)
        }
        guard let size = try? await maintenance.sizeInBytes() else { return }
        metrics.set(.databaseBytes, Int64(clamping: size))
    }
}
