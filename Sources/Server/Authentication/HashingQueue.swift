import NIOCore
import NIOPosix
public import ServiceLifecycle
public import Storage
import Synchronization

/// Runs password hashing on its own threads, at most one job per core, with a bounded backlog: over it a job is
/// refused at once (`Full`), so a flood of bad logins cannot queue unbounded work or starve file and SQLite work.
/// The user store hashes on it; as a service it stops after the services listed after it.
public final class HashingQueue: BlockingExecutor, Service {
    private let pool: NIOThreadPool
    private let waiting = Atomic<Int>(0)
    private let limit: Int
    /// Where its wait, jobs and refusals are counted.
    public let metrics: DetailedMetrics?

    public struct Full: Error, CustomStringConvertible {
        public var description: String { "too many password checks are waiting" }
    }

    public init(threads: Int, backlog: Int, metrics: DetailedMetrics? = nil) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        limit = max(1, threads) + backlog
        self.metrics = metrics
        metrics?.hashingLimit.store(Int64(limit), ordering: .relaxed)
        pool.start()
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await pool.shutdownGracefully()
    }

    /// Runs `work` on a hashing thread, or throws `Full` at once when the backlog is full.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let admitted = waiting.add(1, ordering: .relaxed).newValue
        metrics?.hashingJobs.add(1, ordering: .relaxed)
        defer {
            waiting.subtract(1, ordering: .relaxed)
            metrics?.hashingJobs.subtract(1, ordering: .relaxed)
        }
        guard admitted <= limit else {
            metrics?.hashingRefused.increment()
            throw Full()
        }
        guard let metrics else { return try await pool.runIfActive(work) }
        let queued = ContinuousClock.now
        return try await pool.runIfActive {
            metrics.hashingWait.observe(ContinuousClock.now - queued)
            return try work()
        }
    }
}
