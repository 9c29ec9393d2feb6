import NIOCore
import NIOPosix
import Synchronization

/// Runs password verification on its own threads, at most one job per core, with a bounded backlog: over it a job
/// is refused at once, so a flood of bad logins cannot queue unbounded work or starve file and SQLite work.
final class HashingQueue: Sendable {
    private let pool: NIOThreadPool
    private let waiting = Atomic<Int>(0)
    private let limit: Int

    struct Full: Error {}

    init(threads: Int, backlog: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        limit = threads + backlog
    }

    func start() { pool.start() }

    func shutdown() async throws { try await pool.shutdownGracefully() }

    /// Runs `work` on a hashing thread, or fails with `Full` when the backlog is full.
    func submit<T: Sendable>(on eventLoop: any EventLoop, _ work: @escaping @Sendable () throws -> T)
        -> EventLoopFuture<T>
    {
        let admitted = waiting.add(1, ordering: .relaxed).newValue
        guard admitted <= limit else {
            waiting.subtract(1, ordering: .relaxed)
            return eventLoop.makeFailedFuture(Full())
        }
        return pool.runIfActive(eventLoop: eventLoop, work).always { [self] _ in
            self.waiting.subtract(1, ordering: .relaxed)
        }
    }
}
