public import NIOPosix
public import ServiceLifecycle

/// A thread pool as a member of the service group: started when made (so services that start beside it can use
/// it at once), stopped at graceful shutdown, after the services listed after it have stopped.
public final class ThreadPoolService: Service {
    public let pool: NIOThreadPool

    public init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await pool.shutdownGracefully()
    }
}
