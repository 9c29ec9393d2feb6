import Foundation
public import Logging
import MonitorProtocol
public import ServiceLifecycle
public import Storage
import Synchronization

/// Writes the live metrics to the metrics store every few seconds and once more at shutdown,
/// and rolls old samples up into hourly points. The database's size is measured before each sample.
public final class MetricsSampler: Service {
    private let metrics: ServerMetrics
    private let store: any MetricsStore
    private let interval: Duration
    private let rawRetention: Duration
    private let hourlyRetention: Duration
    private let databaseSize: DatabaseSizeGauge?
    private let logger: Logger
    private let lastRollUp = Mutex(Date.distantPast)

    public init(
        metrics: ServerMetrics, store: any MetricsStore, interval: Duration, rawRetention: Duration,
        hourlyRetention: Duration, databaseSize: DatabaseSizeGauge? = nil, logger: Logger
    ) {
        self.metrics = metrics
        self.store = store
        self.interval = interval
        self.rawRetention = rawRetention
        self.hourlyRetention = hourlyRetention
        self.databaseSize = databaseSize
        self.logger = logger
    }

    public func run() async throws {
        await runEvery(interval) { [self] in await sampleOnce() }
        logger.info("metrics flushed")
    }

    /// One sample of every metric, and an hourly roll-up.
    public func sampleOnce() async {
        let now = Date()
        let rollUpDue = lastRollUp.withLock { last in
            guard now.timeIntervalSince(last) > 3_600 else { return false }
            last = now
            return true
        }
        await databaseSize?.refresh()
        do {
            let samples = metrics.snapshot().map {
                MetricSample(metric: MetricKey($0.0.name), time: now, value: Double($0.1))
            }
            try await store.appendSamples(samples)
            if rollUpDue {
                try await store.rollUp(
                    now: now, rawRetention: rawRetention.timeInterval, hourlyRetention: hourlyRetention.timeInterval)
            }
        } catch {
            logger.error("cannot write metrics", metadata: ["error": "\(error)"])
        }
    }
}
