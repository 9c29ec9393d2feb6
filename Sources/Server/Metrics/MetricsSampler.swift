import Foundation
import Logging
import MonitorProtocol
import NIOPosix
public import ServiceLifecycle
import Storage
import Synchronization

/// Writes the live metrics and the waiting session rows to SQLite every few seconds and once more at shutdown,
/// and rolls old samples up into hourly points.
public final class MetricsSampler: Service {
    private let server: ServerContext
    private let lastRollUp = Mutex(Date.distantPast)

    public init(server: ServerContext) {
        self.server = server
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: server.configuration.sampleInterval)
                guard !Task.isCancelled else { break }
                await sampleOnce()
            }
        }
        await sampleOnce()
        server.logger.info("metrics flushed")
    }

    /// One sample of every metric, the waiting activity rows, and an hourly roll-up.
    public func sampleOnce() async {
        let server = self.server
        let now = Date()
        let rollUpDue = lastRollUp.withLock { last in
            guard now.timeIntervalSince(last) > 3_600 else { return false }
            last = now
            return true
        }
        do {
            try await server.ioPool.runIfActive {
                let samples = server.metrics.snapshot().map {
                    MetricSample(metric: $0.0.name, time: now, value: Double($0.1))
                }
                try server.stores.metrics.appendSamples(samples)
                try server.flushActivity()
                if rollUpDue {
                    let configuration = server.configuration
                    try server.stores.metrics.rollUp(
                        now: now, rawRetention: Self.seconds(configuration.rawMetricsRetention),
                        hourlyRetention: Self.seconds(configuration.hourlyMetricsRetention))
                }
            }
        } catch {
            server.logger.error("cannot write metrics", metadata: ["error": "\(error)"])
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
