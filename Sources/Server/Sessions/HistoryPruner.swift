public import Foundation
public import Logging
public import ServiceLifecycle
public import Storage

/// Keeps `auth_events` and `sessions` to the retention, so a login flood cannot fill the disk: at start-up and then
/// every `interval`, rows older than the retention are folded into daily totals, one bounded batch per write
/// transaction, so a DELE's journal write waits for one batch at most, never for the whole pass.
public final class HistoryPruner: Service {
    /// What one pass folded.
    public struct Report: Sendable, Equatable {
        public var authEvents = 0
        public var sessions = 0

        public init(authEvents: Int = 0, sessions: Int = 0) {
            self.authEvents = authEvents
            self.sessions = sessions
        }
    }

    /// Rows per transaction: at most some 25 ms of the writer's time, even for a flood of distinct names.
    public static let defaultBatchSize = 500
    private let store: any HistoryRetention
    private let retention: Duration
    private let interval: Duration
    private let batchSize: Int
    private let logger: Logger
    private let now: @Sendable () -> Date

    public init(
        store: any HistoryRetention, retention: Duration, interval: Duration,
        batchSize: Int = HistoryPruner.defaultBatchSize, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.retention = retention
        self.interval = interval
        self.batchSize = max(1, batchSize)
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        await repeatEvery(interval, startingNow: true) { [self] in await pruneLogging() }
    }

    /// One pass over everything older than the retention, batch after batch. Stops between batches when its task
    /// is cancelled (a shutdown); the next start goes on from there.
    public func prune() async throws -> Report {
        let cutoff = now().addingTimeInterval(-retention.timeInterval)
        var report = Report()
        while !Task.isCancelled {
            let folded = try await store.foldAuthEvents(before: cutoff, limit: batchSize)
            report.authEvents += folded
            if folded < batchSize { break }
        }
        while !Task.isCancelled {
            let folded = try await store.foldSessions(endedBefore: cutoff, limit: batchSize)
            report.sessions += folded
            if folded < batchSize { break }
        }
        return report
    }

    private func pruneLogging() async {
        do {
            let report = try await prune()
            let level: Logger.Level = report == Report() ? .debug : .info
            logger.log(
                level: level, "history pruned",
                metadata: [
                    "auth_events": "\(report.authEvents)", "sessions": "\(report.sessions)",
                    "retention_days": "\(Int(retention.timeInterval / 86_400))",
                ])
        } catch {
            logger.error("cannot prune the login and session history", metadata: ["error": "\(error)"])
        }
    }
}
