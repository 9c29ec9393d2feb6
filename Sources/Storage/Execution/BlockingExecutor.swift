public import NIOPosix

/// Somewhere blocking work (a SQLite call, a file scan, a password hash) may run without holding up an event loop
/// or a Swift concurrency thread. Each store implementation hops to its own executor, so callers only `await`.
public protocol BlockingExecutor: Sendable {
    /// Runs `work` on one of the executor's threads and returns its result.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T
}

extension NIOThreadPool: BlockingExecutor {
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await runIfActive(work)
    }
}
